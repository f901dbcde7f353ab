"""Generated data with a known truth, for the demo, the benchmarks and the tests; not domain rules.

Pure like the core (no Django, no app): the apps' demo and bench hooks turn these values into rows.
The core never imports this package.

* ``demo``: the deterministic French receivables portfolio of the demo and the benchmarks;
* ``banksim``: bank lines with their ground truth, to measure the matcher;
* ``forecast``: a portfolio with known payment behaviours, for the payment-prediction models.
"""
