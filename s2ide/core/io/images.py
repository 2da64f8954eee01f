"""Reading image files safely: hash, size as displayed (EXIF), thumbnail, clear errors.

Every failure becomes an `ImageError` naming the file and the reason, so an import can report
it and go on. Pillow's decompression-bomb limit is enforced as an error, not a warning.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from s2ide.core.errors import ImageError
from s2ide.core.io.regular_files import NotRegularFileError, read_regular

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tif", ".tiff", ".webp"})
THUMB_SIZE = 256
# EXIF orientations 5..8 rotate by 90 degrees, so width and height swap when displayed.
_SWAPPING_ORIENTATIONS = {5, 6, 7, 8}


@dataclass(frozen=True)
class ImageInfo:
    path: Path
    sha256: str
    width: int
    height: int


def is_image_name(path: Path) -> bool:
    return path.suffix.lower() in IMAGE_SUFFIXES


def read_bytes(path: Path) -> bytes:
    try:
        data = read_regular(path)
    except NotRegularFileError as exc:
        raise ImageError(f"{path}: {exc.strerror}") from exc
    except IsADirectoryError as exc:
        raise ImageError(f"{path}: is a folder, not an image") from exc
    except FileNotFoundError as exc:
        raise ImageError(f"{path}: no such file") from exc
    except PermissionError as exc:
        raise ImageError(f"{path}: cannot read it (permission denied)") from exc
    except OSError as exc:
        raise ImageError(f"{path}: cannot read it ({exc.strerror or exc})") from exc
    if not data:
        raise ImageError(f"{path}: empty file (0 bytes)")
    return data


def open_image(path: Path, data: bytes) -> Image.Image:
    """Open without decoding; bombs and non-images raise ImageError."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return Image.open(io.BytesIO(data))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageError(
            f"{path}: larger than the decompression-bomb limit of {Image.MAX_IMAGE_PIXELS:,} pixels"
        ) from exc
    except UnidentifiedImageError as exc:
        raise ImageError(f"{path}: not an image file Pillow can read") from exc
    except (OSError, ValueError, SyntaxError) as exc:
        raise ImageError(f"{path}: corrupt image header ({exc})") from exc


def orientation_of(image: Image.Image) -> int:
    """The EXIF orientation (1 = as stored); a broken EXIF block is not worth refusing the image for."""
    try:
        return int(image.getexif().get(0x0112, 1))
    except Exception:
        return 1


def displayed_size(image: Image.Image, orientation: int | None = None) -> tuple[int, int]:
    width, height = image.size
    if orientation is None:
        orientation = orientation_of(image)
    return (height, width) if orientation in _SWAPPING_ORIENTATIONS else (width, height)


def make_thumbnail(
    path: Path, image: Image.Image, size: int = THUMB_SIZE, orientation: int | None = None
) -> Image.Image:
    """Decode at reduced scale (JPEG draft) and fit in size x size; this also proves the data decodes."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            if image.format == "JPEG":
                image.draft("RGB", (size, size))
            image.load()
            if orientation is None:
                orientation = orientation_of(image)
            # Upright images (the common case) skip exif_transpose, which would copy the pixels.
            thumb = image if orientation == 1 else ImageOps.exif_transpose(image)
            if thumb.mode not in ("RGB", "L"):
                thumb = (
                    thumb.convert("RGBA").convert("RGB")
                    if "A" in thumb.mode or thumb.mode == "P"
                    else thumb.convert("RGB")
                )
            thumb.thumbnail((size, size), Image.Resampling.BILINEAR, reducing_gap=2.0)
            return thumb
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageError(
            f"{path}: larger than the decompression-bomb limit of {Image.MAX_IMAGE_PIXELS:,} pixels"
        ) from exc
    except (OSError, ValueError, SyntaxError, EOFError) as exc:
        raise ImageError(f"{path}: truncated or corrupt image data ({exc})") from exc


def probe(path: Path, thumbnail_to: Path | None = None) -> ImageInfo:
    """Hash, size and (optionally) thumbnail of one file; ImageError on any problem."""
    data = read_bytes(path)
    sha256 = hashlib.sha256(data).hexdigest()
    image = open_image(path, data)
    orientation = orientation_of(image)
    width, height = displayed_size(image, orientation)
    thumb = make_thumbnail(path, image, orientation=orientation)
    if thumbnail_to is not None:
        target = thumbnail_to / sha256[:2] / f"{sha256}.jpg"
        if not target.exists():
            _save_thumbnail(thumb, target)
    return ImageInfo(path=path, sha256=sha256, width=width, height=height)


_made_dirs: set[Path] = set()  # thumbnail sub-folders this process has made (256 at most)


def _save_thumbnail(thumb: Image.Image, target: Path) -> None:
    """Write via a temporary name so a reader never sees half a file."""
    if target.parent not in _made_dirs:
        target.parent.mkdir(parents=True, exist_ok=True)
        _made_dirs.add(target.parent)
    tmp = target.with_suffix(".tmp")
    try:
        try:
            thumb.save(tmp, "JPEG", quality=85)
        except FileNotFoundError:  # the cache folder was removed meanwhile: make it again
            target.parent.mkdir(parents=True, exist_ok=True)
            thumb.save(tmp, "JPEG", quality=85)
        tmp.replace(target)
    except BaseException:  # a full disk must not leave half a thumbnail behind
        tmp.unlink(missing_ok=True)
        raise


def write_thumbnail(source: Path, target: Path) -> None:
    """(Re)build one cached thumbnail, for samples whose cache entry went missing."""
    data = read_bytes(source)
    thumb = make_thumbnail(source, open_image(source, data))
    _save_thumbnail(thumb, target)
