"""What a scan or a phone photo needs before Tesseract, with OpenCV. Pure module.

:func:`preprocess` takes a Pillow image (any mode) and returns a :class:`Preprocessed`: an 8-bit
grayscale (or binarised 0/255) numpy image, plus the :class:`Transform` from original to processed
pixels, so word boxes found on the processed image map back to the original with :meth:`Transform.box_to_original`.

Steps, each only where it helps (measured with bench/ocr_dev.py on rendered clippings):

* grayscale, transparency composited on white; a bilevel (1-bit) page smoothed into grey edges;
* rescale so text lines are about the height Tesseract's models were trained on (about 300 dpi for body
  type): from ``dpi`` when given, else from the median height of the text's connected components;
* deskew: the angle that makes the horizontal projection profile of the text sharpest (text rows
  separated by white rows), searched coarse-to-fine within ±8°; applied only when |angle| > 0.3°;
* flat-field correction and adaptive binarisation for uneven lighting (photos); clean renders and
  scans are left in grayscale, where Tesseract's own Otsu binarisation does as well or better;
* rules removed (long thin horizontal/vertical strokes: column rules, underlines), dark borders of a
  photographed page removed, speckle noise removed by a median filter on noisy images.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

# Median height of a text connected component (a letter group with its ascenders) at which Tesseract's
# Arabic model reads best, in processed pixels; ~ body type at 300 dpi. Measured on 8-14 pt renders.
TARGET_COMPONENT_HEIGHT = 30.0
MAX_UPSCALE, MIN_SCALE = 4.0, 0.4
# Longest processed side: Tesseract's time grows with pixels; 300 dpi A3 is ~ 5000 px.
MAX_SIDE = 7000
MIN_SKEW_DEG, MAX_SKEW_DEG = 0.3, 8.0
BILEVEL_SIGMA = 1.2  # pixels: Gaussian smoothing of a 1-bit page before anything else (see preprocess)
# Background spread (max - min of the estimated illumination, 0-255) above which lighting is uneven.
UNEVEN_LIGHTING = 40.0


@dataclass(frozen=True)
class Transform:
    """Original -> processed pixels: scale by ``scale``, then rotate by ``angle`` degrees
    (counter-clockwise, OpenCV's sign) about the scaled image's centre into a canvas of ``size``.
    ``matrix`` is the 2x3 affine matrix of the whole mapping; ``original_size`` is (width, height)."""

    scale: float
    angle: float
    matrix: tuple[tuple[float, float, float], tuple[float, float, float]]
    original_size: tuple[int, int]
    size: tuple[int, int]

    def box_to_original(self, left: int, top: int, width: int, height: int) -> tuple[int, int, int, int]:
        """A processed-image box (left, top, width, height) as the axis-aligned box of its four corners in
        original pixels, clipped to the original image."""
        forward = np.vstack([np.array(self.matrix, dtype=np.float64), [0.0, 0.0, 1.0]])
        inverse = np.linalg.inv(forward)[:2]
        corners = np.array(
            [[left, top, 1], [left + width, top, 1], [left, top + height, 1], [left + width, top + height, 1]],
            dtype=np.float64,
        )
        points = corners @ inverse.T
        w, h = self.original_size
        x0, y0 = np.clip(points.min(axis=0), 0, [w, h])
        x1, y1 = np.clip(points.max(axis=0), 0, [w, h])
        return round(x0), round(y0), max(1, round(x1 - x0)), max(1, round(y1 - y0))


@dataclass(frozen=True)
class Preprocessed:
    image: np.ndarray  # uint8, 2-D
    transform: Transform
    binarised: bool
    component_height: float  # median text component height in original pixels (0 if no text found)


def to_gray(image: Image.Image) -> np.ndarray:
    """8-bit grayscale; transparent pixels become white (a PNG cut-out on transparency)."""
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(white, rgba)
    return np.asarray(image.convert("L"), dtype=np.uint8)


def ink_mask(gray: np.ndarray) -> np.ndarray:
    """Text pixels as 255 (Otsu on a flat-fielded image, so a shadow does not turn into ink)."""
    flat = flatten_illumination(gray)
    _, mask = cv2.threshold(flat, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    return mask


def background(gray: np.ndarray) -> np.ndarray:
    """The page's illumination: a morphological closing wide enough to erase letters, smoothed."""
    small_scale = min(1.0, 800.0 / max(gray.shape))
    small = cv2.resize(gray, None, fx=small_scale, fy=small_scale, interpolation=cv2.INTER_AREA)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (15, 15))
    closed = cv2.GaussianBlur(cv2.morphologyEx(small, cv2.MORPH_CLOSE, kernel), (0, 0), 8)
    return cv2.resize(closed, (gray.shape[1], gray.shape[0]), interpolation=cv2.INTER_LINEAR)


def flatten_illumination(gray: np.ndarray, bg: np.ndarray | None = None) -> np.ndarray:
    """gray / background, rescaled to 0-255: uneven lighting made even."""
    bg = background(gray) if bg is None else bg
    return cv2.divide(gray, np.maximum(bg, 1), scale=255)


def component_height(mask: np.ndarray) -> float:
    """Median height (px) of the connected components that look like text (not dots, specks or rules)."""
    count, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    if count <= 1:
        return 0.0
    heights, widths, areas = stats[1:, cv2.CC_STAT_HEIGHT], stats[1:, cv2.CC_STAT_WIDTH], stats[1:, cv2.CC_STAT_AREA]
    keep = (heights >= 4) & (areas >= 12) & (widths < 20 * heights) & (heights < mask.shape[0] / 4)
    if keep.sum() < 5:
        return 0.0
    # Dots and diacritics are many and small; the upper half of the sizes are letter groups.
    ordered = np.sort(heights[keep])
    return float(np.median(ordered[len(ordered) // 2 :]))


def estimate_skew(mask: np.ndarray) -> float:
    """Skew angle in degrees (OpenCV sign: positive = counter-clockwise rotation brings the text level).

    Maximises the variance of the row sums of the rotated ink mask (text lines are sharp peaks when
    level), on a downsampled copy, coarse steps of 0.5° then 0.05°."""
    scale = min(1.0, 1000.0 / max(mask.shape))
    small = cv2.resize(mask, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    h, w = small.shape
    centre = (w / 2, h / 2)

    def sharpness(angle: float) -> float:
        rotation = cv2.getRotationMatrix2D(centre, angle, 1.0)
        rotated = cv2.warpAffine(small, rotation, (w, h), flags=cv2.INTER_NEAREST, borderValue=0)
        return float(np.var(rotated.sum(axis=1, dtype=np.float64)))

    best = max(np.arange(-MAX_SKEW_DEG, MAX_SKEW_DEG + 0.01, 0.5), key=sharpness)
    return float(max(np.arange(best - 0.5, best + 0.51, 0.05), key=sharpness))


def remove_rules(gray: np.ndarray, mask: np.ndarray, line_height: float) -> np.ndarray:
    """White out long thin strokes (column rules, underlines, frames): Tesseract reads them as letters.

    A long straight run is a rule only when it is most of the ink it belongs to (or spans most of the
    page): in large headline type the baseline joining the letters of a word is as long as a short
    rule, and whiting it out cut the headline's words in two (DEV set: titles lost their second line).
    """
    length = max(25, int(line_height * 6))
    horizontal = cv2.morphologyEx(mask, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (length, 1)))
    vertical = cv2.morphologyEx(mask, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, length)))
    runs = cv2.bitwise_or(horizontal, vertical)
    if runs.any():
        _, ink_labels, ink_stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
        count, run_labels, run_stats, _ = cv2.connectedComponentsWithStats(runs, connectivity=8)
        for label in range(1, count):
            _x, _y, w, h, area = run_stats[label]
            owners = ink_labels[run_labels == label]
            owner_area = int(ink_stats[np.bincount(owners).argmax(), cv2.CC_STAT_AREA])
            spans_page = max(w, h) > 0.6 * max(mask.shape) and min(w, h) < 0.3 * line_height
            if area < 0.5 * owner_area and not spans_page:
                runs[run_labels == label] = 0  # a stroke of a letter group: text, keep it
    rules = cv2.dilate(runs, np.ones((3, 3), np.uint8))
    out = gray.copy()
    out[rules > 0] = 255
    return out


def remove_border(gray: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """White out dark regions touching the image edge that are far larger than a letter: the table or
    the page edge around a photographed clipping."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    h, w = mask.shape
    out = gray
    for label in range(1, count):
        x, y, bw, bh, _ = stats[label]
        touches = x == 0 or y == 0 or x + bw >= w or y + bh >= h
        if touches and (bw > w / 3 or bh > h / 3):
            out = out.copy() if out is gray else out
            out[labels == label] = 255
    return out


def preprocess(image: Image.Image, *, dpi: float | None = None) -> Preprocessed:
    """The image Tesseract should read, and the transform back to ``image``'s pixels (see module doc)."""
    gray = to_gray(image)
    if image.mode == "1":
        # A bilevel page (fax, Group 4 TIFF; often dithered) has no grey edges: smoothed, Tesseract reads
        # it as a grayscale scan. DEV bilevel TIFFs: body CER 0.129 -> 0.059 (sigma 1.0-1.4 all gained).
        gray = cv2.GaussianBlur(gray, (0, 0), BILEVEL_SIGMA)
    original_size = (gray.shape[1], gray.shape[0])
    bg = background(gray)
    uneven = float(np.percentile(bg, 99) - np.percentile(bg, 1)) > UNEVEN_LIGHTING
    flat = flatten_illumination(gray, bg)
    _, mask = cv2.threshold(flat, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    height = component_height(mask)

    if dpi and dpi > 0:
        scale = 300.0 / dpi
    elif height > 0:
        scale = TARGET_COMPONENT_HEIGHT / height
    else:
        scale = 1.0
    scale = float(np.clip(scale, MIN_SCALE, MAX_UPSCALE))
    scale = min(scale, MAX_SIDE / max(original_size))
    if 0.85 < scale < 1.2:  # resampling costs sharpness for no gain
        scale = 1.0

    angle = estimate_skew(mask) if height > 0 else 0.0
    if abs(angle) <= MIN_SKEW_DEG:
        angle = 0.0

    work = flat if uneven else gray
    if uneven:
        work = remove_border(work, mask)
    if scale != 1.0:
        interpolation = cv2.INTER_CUBIC if scale > 1 else cv2.INTER_AREA
        work = cv2.resize(work, None, fx=scale, fy=scale, interpolation=interpolation)
    w, h = work.shape[1], work.shape[0]
    matrix = np.array([[scale, 0.0, 0.0], [0.0, scale, 0.0]])
    if angle:
        rotation = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
        cos, sin = abs(rotation[0, 0]), abs(rotation[0, 1])
        new_w, new_h = int(h * sin + w * cos), int(h * cos + w * sin)
        rotation[0, 2] += new_w / 2 - w / 2
        rotation[1, 2] += new_h / 2 - h / 2
        work = cv2.warpAffine(work, rotation, (new_w, new_h), flags=cv2.INTER_CUBIC, borderValue=255)
        matrix = rotation @ np.vstack([matrix, [0, 0, 1]])
    work_mask = cv2.threshold(work, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)[1]
    if _noisy(work, work_mask):
        work = cv2.medianBlur(work, 3)
    work = remove_rules(work, work_mask, max(height * scale, 10.0))
    binarised = False
    if uneven:
        block = int(max(height * scale, 10) * 2.5) | 1  # window ~ a few letters high: follows the lighting
        work = cv2.adaptiveThreshold(work, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C, cv2.THRESH_BINARY, block, 15)
        binarised = True
    transform = Transform(
        scale=scale,
        angle=angle,
        matrix=(tuple(matrix[0]), tuple(matrix[1])),  # type: ignore[arg-type]
        original_size=original_size,
        size=(work.shape[1], work.shape[0]),
    )
    return Preprocessed(image=work, transform=transform, binarised=binarised, component_height=height)


def _noisy(gray: np.ndarray, mask: np.ndarray) -> bool:
    """Speckle noise: many ink components of one or two pixels relative to the text components."""
    count, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    if count <= 1:
        return False
    specks = int((stats[1:, cv2.CC_STAT_AREA] <= 2).sum())
    return specks > 0.5 * (count - 1) and specks > 200


def stroke_widths(image: np.ndarray, boxes: list[tuple[int, int, int, int]]) -> list[float]:
    """Ink stroke width (pixels) in each ``(left, top, width, height)`` box of the page ``image``:
    2 x ink area / contour length, which for strokes much longer than wide is their width. Type size
    shows in it (a headline's strokes are thicker) where word box heights do not (a body line of a
    font with tall ascenders, such as Amiri, has boxes as tall as a small headline's)."""
    mask = cv2.threshold(image, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)[1]
    widths = []
    for left, top, width, height in boxes:
        crop = mask[max(0, top) : top + height, max(0, left) : left + width]
        contours, _ = cv2.findContours(crop, cv2.RETR_LIST, cv2.CHAIN_APPROX_NONE)
        perimeter = sum(cv2.arcLength(c, True) for c in contours)
        widths.append(2.0 * float(np.count_nonzero(crop)) / perimeter if perimeter else 0.0)
    return widths
