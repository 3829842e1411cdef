"""Readers: one module per input format, all giving the same record shape (:mod:`.base`). Pure, no Django.

:mod:`.formats` chooses the reader of a file by its content (magic bytes), not its name.
"""
