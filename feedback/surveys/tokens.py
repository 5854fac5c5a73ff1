"""Random tokens for survey links, of which only a SHA-256 hash is stored."""

import hashlib
import secrets

# secrets.token_urlsafe(32) gives 43 characters. Anything much longer is not
# one of ours and is rejected before it is hashed.
MAX_TOKEN_LENGTH = 64


def new_token() -> tuple[str, str]:
    """Return a new random token and its hash."""
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
