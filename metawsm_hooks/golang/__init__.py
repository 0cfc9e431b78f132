"""Code that imitates Go exactly, because metawsm is written in Go and its verdicts are Go's.

Each module is named after the Go package it follows and keeps that package's behaviour, quirks
included, for the inputs metawsm gives it:

- ``encoding_json``: ``encoding/json`` reading a document (what it accepts and rejects, how it
  repairs bad UTF-8, how it matches keys to struct fields), with the line of every value;
- ``strings``: ``strings.TrimSpace`` and ``strings.ToLower``;
- ``net_url``: ``net/url.Parse``, reduced to what metawsm asks of it;
- ``filepath``: ``path/filepath.Match`` and ``filepath.Base``.

The tests check them case by case and against verdicts produced by Go itself
(``tests/data/policies/go_verdicts.json``).
"""
