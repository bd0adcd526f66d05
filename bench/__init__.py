"""Benchmarks: a synthetic corpus generator (``bench.generate``) and the suite (``bench.run``)."""
