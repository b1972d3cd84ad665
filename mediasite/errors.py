"""Domain errors that any app raises and every interface maps once (the API in mediasite.api.errors)."""


class DomainError(Exception):
    """A refusal with a message meant for people."""


class StateConflict(DomainError):
    """The object's current state does not allow this (the API answers 409)."""


class TooLarge(DomainError):
    """The upload is past a size limit or the owner's storage quota (the API answers 413)."""
