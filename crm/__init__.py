"""Scores back into the CRM: the suggested funnel stage, import files for Salesforce and HubSpot, and a
resumable push through their batch APIs.

* :mod:`crm.stages`    — lead / MQL / SQL-ready / nurture from score, tier and grade (rules in TOML).
* :mod:`crm.fields`    — the CRM fields, their types and how each value is written.
* :mod:`crm.writeback` — the import files (``leadscore score --write-back``).
* :mod:`crm.vendors`   — the two CRMs' batch endpoints and what their answers mean.
* :mod:`crm.journal`   — the push's progress file.
* :mod:`crm.push`      — ``leadscore push``: batches, retries, read-back, exactly-once.
* :mod:`crm.cli`       — the ``push`` command.
"""
