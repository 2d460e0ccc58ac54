"""A synthetic B2B CRM history whose right answer is known.

Every test, demo and benchmark of leadscore stands on this world, so it is built to look like a real CRM
export (three tables in the data contract's shape, German and English free text, the mess real exports
have) while carrying a *truth file*: the best probability any model could give each open lead.

The world
---------
A company sells a sales-and-marketing product to other companies, mostly in the DACH region. Leads are
people at companies (several leads may share one company). What makes a lead a good customer (its **fit**)
is fixed when it is created and acts on a log scale:

* industry, and company size with a sweet spot that differs by industry (software buys at 50-500
  employees, manufacturing at 200-2,000; too small cannot afford it, too large builds it in-house);
  annual revenue follows size log-normally, so it carries little extra information;
* country (DACH strongest), lead source (referral, partner and web form strongest; social and e-mail
  campaigns weakest), free-mail vs corporate e-mail, undeliverable addresses (junk leads);
* the job title's seniority and department *with the company size*: in a 20-person firm the
  Geschäftsführer decides alone, in a 5,000-person firm a Head of Marketing matters more than the CEO;
* an unobserved need (a random effect no export records).

Engagement follows a latent **buying phase** process. A dormant lead enters a phase at a rate that grows
with fit, decays with the lead's age (interest fades) and is suppressed for a few months after a phase
ended without a purchase (they just decided "not now"). A phase lasts about six weeks (Weibull, shape 2,
mean 42 days): the usual B2B evaluation of a mid-priced tool, from first research through demos and a
trial to internal approval. In a phase the lead shows bursts of high-intent activity (pricing page, demo
request, webinar attendance, trial, meetings, downloads) whose intensity grows with the phase's latent
*seriousness*; outside a phase there is only low-level noise (page views, e-mail opens from the fortnightly
campaign, webinar registrations without attendance). A lead converts only inside a phase, at a hazard that
ramps up over the first two weeks of the phase and grows with fit and seriousness, so **recency matters**
and a stale burst means little. A lead converts at most once; onboarding meetings and page views continue
after the conversion, which a correct point-in-time pipeline must not see. An unsubscribe stops later
e-mail activity; an undeliverable address bounces once and never opens anything.

The truth file
--------------
For the moment ``truth_as_of`` T and every lead that is *open* at T (created at or before T, not converted
by T), ``true_probability`` is P(convert in (T, T + horizon] | the full latent state at T): fit (with the
unobserved need), whether the lead is in a buying phase, how long it has been in it and how serious it
is, when its last phase ended and how old it is. It is computed by Monte Carlo: the same process that
generated the history is restarted from each lead's state at T ``TRUTH_DRAWS`` times. The realised
continuation is one more draw of that process, so ``converted_in_horizon`` (what actually happened) is
calibrated against ``true_probability`` by construction, up to sampling noise. No model that sees only
the exports can beat its AUC or log loss except by chance; tests compare models against it.

The mess
--------
With ``mess=True`` the export is degraded the way real ones are, *after* the latent world is generated (so
``mess=False`` is the same world, cleanly recorded): missing firmographics, picklist drift in industry,
lower-case and missing country codes, missing titles and sources, exactly duplicated activity rows,
activities of deleted leads, and activity types outside the contract's vocabulary.

Worlds that are not all alike
-----------------------------
:class:`WorldConfig` has knobs for the length of the history, the conversion rate, how fit and intent
interact, drift over calendar time (base rate, channel mix, picklist labels) and a world without activities;
:data:`PRESETS` names a few such worlds (``WorldConfig.preset("drifting", n_leads=...)``). The defaults give
the standard world bit for bit, and the truth file follows every knob. ``World.hidden`` holds, for tests,
what no export records (true channel and industry, fit, buying state at the truth moment).

The package, in the order a world is made: ``vocabulary`` and ``parameters`` (the words and numbers),
``config`` (what to generate), ``clock`` (the time axis), ``draws``, ``leads`` (who the leads are and how
well they fit), ``drift``, ``history`` (buying phases and conversions), ``activities`` (what they leave in
the log), ``truth``, ``mess`` (the export, clean or messy), ``world`` (:func:`generate_world`) and ``files``.
"""


from leadscore.synthetic.config import PRESETS, WorldConfig
from leadscore.synthetic.files import read_world, write_world
from leadscore.synthetic.parameters import SIZE_SWEET_SPOTS
from leadscore.synthetic.truth import TRUTH_COLUMNS, TRUTH_DRAWS
from leadscore.synthetic.vocabulary import (
    COUNTRIES,
    DEPARTMENTS,
    FREEMAIL_DOMAINS,
    INDUSTRY_VARIANTS,
    SENIORITY_CLASSES,
    TITLES,
    UNKNOWN_ACTIVITY_TYPES,
)
from leadscore.synthetic.world import World, generate_world

__all__ = [
    "COUNTRIES",
    "DEPARTMENTS",
    "FREEMAIL_DOMAINS",
    "INDUSTRY_VARIANTS",
    "PRESETS",
    "SENIORITY_CLASSES",
    "SIZE_SWEET_SPOTS",
    "TITLES",
    "TRUTH_COLUMNS",
    "TRUTH_DRAWS",
    "UNKNOWN_ACTIVITY_TYPES",
    "World",
    "WorldConfig",
    "generate_world",
    "read_world",
    "write_world",
]
