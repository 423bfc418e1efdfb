"""Benchmarks, run on demand (`make bench`, `python -m bench`), never as tests: they need minutes
and a database of a million learners, and they print figures instead of passing or failing.

Each size gets a PostgreSQL database of its own (portal_bench_100k, portal_bench_1m), filled by
`seed_demo --learners N` and kept for the next run. See bench/README.md.
"""
