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


class StorageError(DscbError):
    """A file or folder could not be read or written (full disk, read-only, permission, missing folder)."""


_OS_REASONS = {
    "ENOSPC": "the disk is full; free some space and try again",
    "EDQUOT": "the disk quota is used up; free some space and try again",
    "EROFS": "the folder is on a read-only file system",
    "EACCES": "permission denied; the account running the app cannot write there",
    "EPERM": "permission denied; the account running the app cannot write there",
    "ENOENT": "it does not exist",
    "ENOTDIR": "part of the path is not a folder",
    "EIO": "the disk reported an input/output error",
}


def storage_error(exc: OSError, what: str) -> StorageError:
    """One clear sentence for an operating-system error while doing ``what`` (e.g. "write the index in /srv/index")."""
    import errno

    name = errno.errorcode.get(exc.errno or 0, "")
    reason = _OS_REASONS.get(name) or (exc.strerror or str(exc)).rstrip(".")
    # The path is left out on purpose: the app shows these messages to people who need not know the server's folders.
    return StorageError(f"Could not {what}: {reason}.")
