"""Models of the feedback app, one module per concept."""

from .portal import (  # noqa: F401
    Article,
    ArticleAudience,
    ArticleCategory,
    ArticleReviewReminder,
    ArticleVote,
    Feedback,
)
from .surveys import (  # noqa: F401
    Answer,
    Invitation,
    InvitationToken,
    Question,
    QuestionChoice,
    Response,
    Survey,
    SurveyOptOut,
    SurveyRound,
    YouSaidWeDid,
)
