"""Profile signals: who a lead is, one module per CRM field (industry, country, e-mail, source, title).

Each field's rule is one pure scalar function over a raw value (built on :mod:`features.values`), applied
once per distinct value of a column for a batch and to the one value of a lead online."""
