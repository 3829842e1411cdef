"""The clipping test set: Arabic news clippings (scans, photos, TIFF, PDFs, web pages, Word files) rendered
from ANT Corpus articles, with their ground truth; see docs/ocr.md."""
