"""OCR of clipping images: preprocessing (OpenCV), Tesseract, page layout, post-correction from the
archive's vocabulary, and the CER measure. Pure modules, no Django; the entry point is
:func:`articles.ingest.ocr.engine.ocr_images`."""
