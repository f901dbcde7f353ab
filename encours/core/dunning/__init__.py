"""Dunning: which customer gets which step today, with what penalties, and what promises pause.

Import from the module that holds a name:

* ``scenarios``: ordered steps at day offsets from the due date, per customer category;
* ``promises``: promises to pay, and whether the cash came;
* ``penalty_rates`` and ``penalties``: the reference rates by half-year, late-payment interest and
  the fixed indemnity;
* ``model``: the plain values the planner reads and returns;
* ``planner``: ``plan_dunning``, one planned message per customer at its highest step due, and why not.
"""
