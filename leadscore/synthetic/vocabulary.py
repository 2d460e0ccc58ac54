"""The words the synthetic world writes: job titles, industry picklist variants, countries, names.

A parser or normaliser can be tested against these lists: they are exactly what the generator emits.
"""

from __future__ import annotations

SENIORITY_CLASSES: tuple[str, ...] = (
    "c_level_owner",
    "vp_director",
    "head_lead",
    "manager",
    "individual_contributor",
    "student_intern",
)
DEPARTMENTS: tuple[str, ...] = ("sales", "marketing", "it", "finance", "operations", "hr", "management", "other")

#: (job title as typed into a CRM, seniority class, department). German titles come in both genders where
#: CRMs see both. A title parser can be tested against this list: it is what the world writes.
TITLES: tuple[tuple[str, str, str], ...] = (
    # c_level_owner
    ("Geschäftsführer", "c_level_owner", "management"),
    ("Geschäftsführerin", "c_level_owner", "management"),
    ("Geschäftsführender Gesellschafter", "c_level_owner", "management"),
    ("Inhaber", "c_level_owner", "management"),
    ("Inhaberin", "c_level_owner", "management"),
    ("Vorstand", "c_level_owner", "management"),
    ("CEO", "c_level_owner", "management"),
    ("Founder & CEO", "c_level_owner", "management"),
    ("Managing Director", "c_level_owner", "management"),
    ("Owner", "c_level_owner", "management"),
    ("Chief Marketing Officer", "c_level_owner", "marketing"),
    ("CMO", "c_level_owner", "marketing"),
    ("Chief Revenue Officer", "c_level_owner", "sales"),
    ("Chief Sales Officer", "c_level_owner", "sales"),
    ("CFO", "c_level_owner", "finance"),
    ("Kaufmännischer Geschäftsführer", "c_level_owner", "finance"),
    ("CTO", "c_level_owner", "it"),
    ("Chief Information Officer", "c_level_owner", "it"),
    ("COO", "c_level_owner", "operations"),
    # vp_director
    ("VP Marketing", "vp_director", "marketing"),
    ("VP Sales", "vp_director", "sales"),
    ("Vice President Sales", "vp_director", "sales"),
    ("Director of Marketing", "vp_director", "marketing"),
    ("Sales Director", "vp_director", "sales"),
    ("Vertriebsdirektor", "vp_director", "sales"),
    ("Marketingdirektorin", "vp_director", "marketing"),
    ("Bereichsleiter Vertrieb", "vp_director", "sales"),
    ("Bereichsleiterin Marketing", "vp_director", "marketing"),
    ("IT Director", "vp_director", "it"),
    ("Finance Director", "vp_director", "finance"),
    ("Director Operations", "vp_director", "operations"),
    ("HR Director", "vp_director", "hr"),
    ("Prokurist", "vp_director", "management"),
    # head_lead
    ("Head of Sales", "head_lead", "sales"),
    ("Head of Marketing", "head_lead", "marketing"),
    ("Leiter Vertrieb", "head_lead", "sales"),
    ("Leiterin Vertrieb", "head_lead", "sales"),
    ("Leiter Marketing", "head_lead", "marketing"),
    ("Leiterin Marketing", "head_lead", "marketing"),
    ("Vertriebsleiter", "head_lead", "sales"),
    ("Vertriebsleiterin", "head_lead", "sales"),
    ("Marketingleiter", "head_lead", "marketing"),
    ("Head of Growth", "head_lead", "marketing"),
    ("Head of Demand Generation", "head_lead", "marketing"),
    ("Head of Revenue Operations", "head_lead", "sales"),
    ("Teamleiter Inside Sales", "head_lead", "sales"),
    ("Head of IT", "head_lead", "it"),
    ("IT-Leiter", "head_lead", "it"),
    ("Leiter Finanzen", "head_lead", "finance"),
    ("Head of Operations", "head_lead", "operations"),
    ("Teamleiterin Kundenservice", "head_lead", "operations"),
    ("Personalleiterin", "head_lead", "hr"),
    ("Head of People", "head_lead", "hr"),
    # manager
    ("Marketing Manager", "manager", "marketing"),
    ("Marketing Managerin", "manager", "marketing"),
    ("Online Marketing Manager", "manager", "marketing"),
    ("Performance Marketing Manager", "manager", "marketing"),
    ("CRM Manager", "manager", "marketing"),
    ("Sales Manager", "manager", "sales"),
    ("Key Account Manager", "individual_contributor", "sales"),
    ("Key Account Managerin", "individual_contributor", "sales"),
    ("Business Development Manager", "manager", "sales"),
    ("IT Manager", "manager", "it"),
    ("Projektmanagerin", "manager", "operations"),
    ("Office Manager", "manager", "operations"),
    ("HR Manager", "manager", "hr"),
    ("Product Manager", "manager", "other"),
    # individual_contributor
    ("Vertriebsmitarbeiter", "individual_contributor", "sales"),
    ("Vertriebsmitarbeiterin", "individual_contributor", "sales"),
    ("Sales Representative", "individual_contributor", "sales"),
    ("Account Executive", "individual_contributor", "sales"),
    ("Sales Development Representative", "individual_contributor", "sales"),
    ("Marketing Specialist", "individual_contributor", "marketing"),
    ("Referentin Marketing", "individual_contributor", "marketing"),
    ("Content Marketing Specialist", "individual_contributor", "marketing"),
    ("IT Administrator", "individual_contributor", "it"),
    ("Systemadministrator", "individual_contributor", "it"),
    ("Softwareentwickler", "individual_contributor", "it"),
    ("Software Engineer", "individual_contributor", "it"),
    ("Buchhalterin", "individual_contributor", "finance"),
    ("Accountant", "individual_contributor", "finance"),
    ("Controllerin", "individual_contributor", "finance"),
    ("Sachbearbeiter", "individual_contributor", "operations"),
    ("Kaufmännische Angestellte", "individual_contributor", "operations"),
    ("Assistenz der Geschäftsführung", "individual_contributor", "management"),
    ("Recruiter", "individual_contributor", "hr"),
    ("Consultant", "individual_contributor", "other"),
    ("Berater", "individual_contributor", "other"),
    # student_intern
    ("Werkstudent Vertrieb", "student_intern", "sales"),
    ("Werkstudentin Marketing", "student_intern", "marketing"),
    ("Working Student IT", "student_intern", "it"),
    ("Praktikant", "student_intern", "other"),
    ("Praktikantin Marketing", "student_intern", "marketing"),
    ("Marketing Intern", "student_intern", "marketing"),
    ("Sales Intern", "student_intern", "sales"),
    ("Student", "student_intern", "other"),
    ("Auszubildender", "student_intern", "other"),
    ("Azubi Industriekaufmann", "student_intern", "operations"),
)

#: Canonical industry -> raw picklist values CRMs hold for it (picklist drift over the years, German and
#: English UIs, import scripts). The first variant is the clean one, used when ``mess=False``.
INDUSTRY_VARIANTS: dict[str, tuple[str, ...]] = {
    "software": (
        "Software", "software ", "SOFTWARE", "IT/Software", "Software & SaaS", "SaaS", "Softwareentwicklung",
    ),
    "it_services": ("IT Services", "IT-Dienstleistungen", "Information Technology"),
    "manufacturing": ("Manufacturing", "Maschinenbau", "Industrial Machinery", "Produktion"),
    "automotive": ("Automotive", "Automobil", "Automobilindustrie"),
    "retail": ("Retail", "Einzelhandel", "E-Commerce", "Retail & E-Commerce"),
    "financial_services": (
        "Financial Services", "Banking", "Finanzdienstleistungen", "Insurance", "Versicherungen",
    ),
    "healthcare": ("Healthcare", "Gesundheitswesen", "Pharma", "Medizintechnik"),
    "education": ("Education", "Bildung", "E-Learning"),
    "consulting": ("Consulting", "Beratung", "Unternehmensberatung"),
    "logistics": ("Logistics", "Logistik", "Transport & Logistik"),
    "energy": ("Energy", "Energie", "Utilities"),
    "public_sector": ("Public Sector", "Öffentlicher Dienst", "Government"),
    "media": ("Media", "Medien", "Marketing & Advertising"),
    "telecommunications": ("Telecommunications", "Telekommunikation"),
    "real_estate": ("Real Estate", "Immobilien"),
    "construction": ("Construction", "Bauwesen"),
    "other": ("Other", "Sonstige"),
}

#: ISO 3166-1 alpha-2 codes the world uses, DACH first.
COUNTRIES: tuple[str, ...] = (
    "DE", "AT", "CH", "US", "GB", "FR", "NL", "IT", "ES", "PL", "SE", "DK", "BE", "IE", "CZ", "NO", "FI", "PT",
)

#: Activity types a CRM export contains that the contract does not know (counted as ``other`` by it).
UNKNOWN_ACTIVITY_TYPES: tuple[str, ...] = ("chat_started", "social_share", "sms_sent", "call_logged")


FIRST_NAMES = (
    "Anna", "Lena", "Julia", "Laura", "Sarah", "Katharina", "Sophie", "Marie", "Lisa", "Hannah", "Emma",
    "Claudia", "Sabine", "Petra", "Nina", "Jana", "Alexander", "Maximilian", "Lukas", "Jonas", "Felix", "Paul",
    "Thomas", "Michael", "Andreas", "Stefan", "Christian", "Markus", "Daniel", "Jan", "Tobias", "Florian",
    "Peter", "Martin", "Jürgen", "Björn", "Jörg", "Ömer", "Mehmet", "Elif", "James", "John", "Emily", "Olivia",
    "Pierre", "Camille", "Luca", "Giulia", "Pablo", "Lucía", "Piotr", "Anna-Lena", "Erik", "Astrid", "Sven",
)
LAST_NAMES = (
    "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann",
    "Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf", "Schröder", "Neumann", "Schwarz", "Zimmermann",
    "Braun", "Krüger", "Hofmann", "Hartmann", "Lange", "Schmitt", "Werner", "Krause", "Meier", "Lehmann",
    "Huber", "Gruber", "Steiner", "Moser", "Keller", "Brunner", "Smith", "Jones", "Taylor", "Brown", "Dubois",
    "Martin", "Rossi", "Bianchi", "García", "López", "Nowak", "Kowalski", "de Vries", "Jansen", "Andersson",
    "Nielsen", "Yılmaz", "Kaya", "O'Brien",
)
COMPANY_HEADS = (
    "Nord", "Süd", "Alpen", "Rhein", "Elb", "Isar", "Main", "Donau", "Blau", "Grün", "Stern", "Licht", "Berg",
    "Tal", "Wald", "Nova", "Vega", "Orbit", "Pixel", "Data", "Quant", "Flux", "Smart", "Prime", "Meta", "Opti",
    "Logi", "Medi", "Fin", "Bau", "Auto", "Agri", "Tele", "Info", "Net", "Cloud", "Hanse", "Brück", "Falken",
    "Adler",
)
COMPANY_TAILS = (
    "tech", "soft", "werk", "bau", "logistik", "systeme", "consult", "media", "data", "net", "works", "labs",
    "trans", "energie", "plan", "form", "line", "port", "hub", "wise", "tron", "med", "fin", "ware", "point",
    "kraft", "punkt", "feld", "haus", "quelle",
)
COMPANY_KINDS = (
    "", " Solutions", " Group", " Systems", " & Partner", " Digital", " Services", " International",
    " Technik", " Holding",
)
#: Free-mail providers some leads give instead of a company address (private interest, students, junk).
FREEMAIL_DOMAINS: tuple[str, ...] = (
    "gmail.com", "gmx.de", "web.de", "t-online.de", "outlook.com", "yahoo.com", "hotmail.com", "gmx.net",
    "icloud.com", "gmx.at", "bluewin.ch",
)
BOGUS_EMAILS = (
    "test@test.de", "asdf@asdf.de", "keine@angabe.de", "x@x.com", "info@example.com", "noreply@noreply.com",
)

