"""Files that survive a crash or a power cut at any moment, and locks that a dead process releases.

Shared by the draft store, the app's secret key and the signing key: whatever the app keeps is
written whole or not at all, so a full disk or a kill -9 never leaves a torn or empty file.
"""
from __future__ import annotations

import errno
import os
import secrets
import stat
from contextlib import contextmanager
from pathlib import Path

FOLDER_MODE, FILE_MODE = 0o700, 0o600
CANNOT_WRITE = (errno.EROFS, errno.EACCES, errno.EPERM)


def write_atomically(path: Path, data: bytes, *, replace: bool = True) -> None:
    """Replace the file's content so that a crash at any moment leaves the old file or the new one.

    The data reaches the disk (fsync) before the rename makes it visible, and the rename itself
    is made durable by syncing the folder. On Windows os.replace is atomic too, and there is no
    folder to sync. Without `replace`, an existing file wins (FileExistsError): linking a finished
    file into place is atomic, so two processes making the same file at once cannot both succeed.
    """
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), FILE_MODE)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            os.chmod(temporary, FILE_MODE)  # whatever the umask
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if replace:
            os.replace(temporary, path)
        else:
            os.link(temporary, path)
            temporary.unlink()
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    sync_folder(path.parent)


def sync_folder(folder: Path) -> None:
    """Make renames and deletions in the folder durable (POSIX; Windows cannot open a folder)."""
    if os.name == "nt":
        return
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def private_folder(folder: Path) -> Path:
    """The folder, created if needed, readable by this user only, whatever the umask.

    Only group and other permissions are removed, so a folder made read-only stays read-only.
    """
    folder.mkdir(parents=True, exist_ok=True, mode=FOLDER_MODE)
    mode = stat.S_IMODE(folder.stat().st_mode)
    if mode & ~FOLDER_MODE:
        os.chmod(folder, mode & FOLDER_MODE)
    return folder


# A portable exclusive file lock: held per open file, released by the OS if the process dies,
# so a server killed while saving never leaves a draft locked.
if os.name == "nt":
    import msvcrt

    def _lock(descriptor: int) -> None:
        while True:
            try:
                msvcrt.locking(descriptor, msvcrt.LK_LOCK, 1)  # gives up after about 10 s: wait on
                return
            except OSError:
                continue

    def _unlock(descriptor: int) -> None:
        msvcrt.locking(descriptor, msvcrt.LK_UNLCK, 1)
else:
    import fcntl

    def _lock(descriptor: int) -> None:
        fcntl.flock(descriptor, fcntl.LOCK_EX)

    def _unlock(descriptor: int) -> None:
        fcntl.flock(descriptor, fcntl.LOCK_UN)


@contextmanager
def file_lock(path: Path):
    """Hold the lock file's exclusive lock for the block: one thread of one process at a time.

    In a folder that cannot be written the lock file is opened for reading (flock needs no more),
    or, when it was never made, skipped: nobody can write there, so reads need no lock.
    """
    try:
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT, FILE_MODE)
    except OSError as problem:
        if problem.errno not in CANNOT_WRITE:
            raise
        try:
            descriptor = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            yield
            return
    try:
        _lock(descriptor)
        try:
            yield
        finally:
            _unlock(descriptor)
    finally:
        os.close(descriptor)
