"""Operating a served model: what was scored (score log), whether the population moved (drift), and
whether the scores came true (realised accuracy), with an HTML report of the last two."""
