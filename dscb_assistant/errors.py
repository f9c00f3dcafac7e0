"""The project's own exceptions, each with a message a user or their IT colleague can act on."""


class DscbError(Exception):
    """Base class for every error this package raises on purpose."""


class ExtractionError(DscbError):
    """A PDF could not be read; the message names the reason (not the file: callers add it)."""


class IndexMissingError(DscbError):
    """There is no built index where one was expected."""


class IndexMismatchError(DscbError):
    """The index on disk was built with other settings or is damaged."""


class QueryError(DscbError):
    """The question or the filters given to search are not usable."""


class IngestBusyError(DscbError):
    """Another ingest is already writing this index."""
