// Behaviour shared by every page. No inline scripts, so that a strict
// Content Security Policy can forbid them.

document.addEventListener("DOMContentLoaded", () => {
  // Buttons and links with data-confirm ask before a destructive action.
  document.body.addEventListener("click", (event) => {
    const trigger = event.target.closest("[data-confirm]");
    if (trigger && !window.confirm(trigger.dataset.confirm)) {
      event.preventDefault();
    }
  });
});
