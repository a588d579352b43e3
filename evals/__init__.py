"""The evaluators' suite: ``python -m evals`` scores ctassist against baselines.

See ``evals/README.md`` for how to run it and read the report. The metric functions
live in :mod:`evals._metrics`, the question set in ``evals/questions.jsonl``.
"""
