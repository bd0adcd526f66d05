"""The bundled corpus: byte-for-byte copies of real 质量月 plans (package data)."""
