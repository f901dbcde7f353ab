"""The bank-line simulator: realistic bank lines with their ground truth, to measure the matcher.

* ``portfolio``: customers and open items of a synthetic French B2B portfolio;
* ``pool``: the unpaid items, payer names and references spelt the way people write them;
* ``scenarios``: how customers (and others) actually pay;
* ``simulator``: ``generate_bank_lines``, ``evaluate`` and ``benchmark_matching``.
"""
