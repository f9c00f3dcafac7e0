"""Benchmarks of DSCB Learning Assistant: ingestion, re-ingest, query latency at scale, cold starts, encoder paths.

Run everything with ``python -m bench`` (``--quick`` for a smoke run); results go to BENCHMARKS.md.
"""
