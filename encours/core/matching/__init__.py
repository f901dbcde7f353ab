"""Cash application: which customer and which open items a bank line pays.

Import from the module that holds a name; in the order a line flows through them:

* ``values``: what the matcher reads and returns (``Customer``, ``OpenItem``, ``MatchingConfig``,
  ``Proposal``, ``LineMatch``, ``Allocation``);
* ``refs`` and ``names``: invoice numbers and RF references as people type them, company names as
  banks print them;
* ``index``: the lookup structures built once per run over customers and open items;
* ``amounts``: how a paid amount fits amounts due (exact, bank fee, early-payment discount, subsets);
* ``evidence``: what a line says about who paid and which items;
* ``context`` and ``rules``: the proposal rules, each turning evidence into ranked proposals;
* ``engine``: ``match_lines``, classification of the line and the auto-apply decision.
"""
