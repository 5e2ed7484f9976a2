import structlog

from accounts.models import Language, User

logger = structlog.get_logger(__name__)


def user_set_language(*, actor: User, language: str) -> bool:
    """Store the user's own language choice; unknown codes are ignored."""
    if language not in Language.values or actor.language == language:
        return False
    actor.language = language
    actor.save(update_fields=["language"])
    logger.info("user_language_set", user_id=actor.pk, language=language)
    return True
