"""What the bulk demo data is drawn from: names, where learners come from and live, partners,
providers and courses. Plausible, not statistics: the shares are rounded guesses in the spirit of
UNHCR's published figures, chosen so that dashboards look like a real programme's."""


def _words(text: str) -> list[str]:
    return text.split()


# Names by language group: given names, family names. Some groups also appear in their own script,
# so that demo pages show Arabic, Farsi and Ukrainian names as learners write them.
NAMES = {
    "arabic": (
        _words(
            "Ahmad Mohammad Omar Yousef Khaled Hassan Ali Ibrahim Mahmoud Samer Tareq Bilal Fatima "
            "Aisha Mariam Noor Layla Rania Huda Amal Salma Yasmin Reem Hiba"
        ),
        _words(
            "Al-Hassan Haddad Khalil Nasser Saleh Hamdan Darwish Mansour Qasim Barakat Aziz Hijazi "
            "Al-Masri Othman Zaher Sabbagh"
        ),
    ),
    "arabic_script": (
        _words(
            "أحمد محمد عمر يوسف خالد حسن علي إبراهيم محمود سامر فاطمة عائشة مريم نور ليلى رانيا "
            "هدى أمل سلمى ياسمين"
        ),
        _words("الحسن حداد خليل ناصر صالح حمدان درويش منصور قاسم بركات عزيز حجازي"),
    ),
    "farsi": (
        _words(
            "Ahmad Mohammad Mustafa Farid Hamid Javad Reza Sohrab Nasir Wahid Zahra Maryam Fatemeh "
            "Parisa Shabnam Nargis Laleh Farzana Zainab Mina"
        ),
        _words(
            "Ahmadi Hosseini Rahimi Karimi Sultani Noori Rezaei Azizi Hakimi Sharifi Jafari "
            "Haidari Mohammadi Samadi"
        ),
    ),
    "farsi_script": (
        _words("احمد محمد مصطفی فرید حمید رضا سهراب زهرا مریم فاطمه پریسا شبنم نرگس لاله"),
        _words("احمدی حسینی رحیمی کریمی سلطانی نوری رضایی عزیزی حکیمی شریفی"),
    ),
    "ukrainian": (
        _words(
            "Oleksandr Andrii Dmytro Maksym Ivan Serhii Yurii Olena Oksana Nataliia Iryna Mariia "
            "Yuliia Tetiana Kateryna Sofiia"
        ),
        _words(
            "Shevchenko Kovalenko Bondarenko Tkachenko Kravchenko Melnyk Boiko Polishchuk Lysenko "
            "Savchenko Rudenko Marchenko"
        ),
    ),
    "ukrainian_script": (
        _words(
            "Олександр Андрій Дмитро Максим Іван Сергій Олена Оксана Наталія Ірина Марія Юлія "
            "Тетяна Катерина"
        ),
        _words(
            "Шевченко Коваленко Бондаренко Ткаченко Кравченко Мельник Бойко Поліщук Лисенко "
            "Савченко"
        ),
    ),
    "spanish": (
        _words(
            "José Luis Carlos Jesús Miguel Andrés Alejandro Daniel María Ana Carmen Daniela "
            "Gabriela Valentina Yolanda Andreína Mariana Luisa"
        ),
        _words(
            "González Rodríguez Pérez Hernández García Martínez López Díaz Ramírez Torres Rojas "
            "Mendoza Castillo Guerrero"
        ),
    ),
    "french": (
        _words(
            "Jean Pierre Emmanuel Patrick Joseph Christian Olivier Blaise Marie Grâce Esther "
            "Joséphine Nadège Claudine Francine Solange"
        ),
        _words(
            "Mukendi Tshibanda Ilunga Mbuyi Kasongo Nkurunziza Ndayishimiye Habimana Niyonzima "
            "Kabamba Lukusa Mwamba"
        ),
    ),
    "south_sudanese": (
        _words(
            "Deng Garang John Peter James Mabior Kuol Mary Grace Nyandeng Achol Abuk Rebecca Nyibol"
        ),
        _words("Deng Garang Akol Mayen Malual Kuol Majok Lual Bol Chol Makuei Ayuen"),
    ),
    "somali": (
        _words("Abdi Mohamed Hassan Abdullahi Farah Yusuf Hodan Ayaan Fadumo Hawa Sahra Khadra"),
        _words("Abdi Warsame Farah Hirsi Osman Aden Jama Ali Ismail Nur"),
    ),
    "tigrinya": (
        _words("Yonas Tesfaye Haile Abraham Dawit Samuel Selam Senait Mebrat Helen Luwam Saba"),
        _words("Tesfamariam Gebremedhin Haile Berhane Kidane Tekle Ghebreyesus Woldemichael"),
    ),
}

# Country of origin: share of learners, name groups (with weights), language of the account,
# and where people from there live now (country: weight).
ORIGINS = {
    "SY": (
        26,
        {"arabic": 6, "arabic_script": 4},
        "ar",
        {"TR": 34, "LB": 20, "JO": 20, "DE": 16, "IQ": 4, "EG": 4, "SE": 2},
    ),
    "AF": (
        13,
        {"farsi": 6, "farsi_script": 4},
        "fa",
        {"PK": 34, "IR": 22, "DE": 16, "TR": 14, "GR": 8, "AT": 6},
    ),
    "UA": (
        13,
        {"ukrainian": 6, "ukrainian_script": 4},
        "uk",
        {"PL": 38, "DE": 34, "CZ": 10, "MD": 6, "RO": 6, "SK": 6},
    ),
    "VE": (10, {"spanish": 1}, "es", {"CO": 46, "PE": 20, "EC": 10, "CL": 10, "BR": 9, "ES": 5}),
    "SS": (8, {"south_sudanese": 1}, "en", {"UG": 52, "KE": 20, "ET": 16, "SD": 12}),
    "CD": (7, {"french": 1}, "fr", {"UG": 40, "RW": 20, "TZ": 15, "KE": 15, "BI": 10}),
    "SD": (5, {"arabic": 5, "arabic_script": 3}, "ar", {"EG": 40, "TD": 30, "UG": 18, "SS": 12}),
    "SO": (4, {"somali": 1}, "en", {"KE": 55, "ET": 30, "YE": 15}),
    "ER": (3, {"tigrinya": 1}, "en", {"ET": 55, "SD": 20, "DE": 15, "IL": 10}),
    "IQ": (3, {"arabic": 6, "arabic_script": 4}, "ar", {"TR": 35, "JO": 30, "DE": 35}),
    "CO": (2, {"spanish": 1}, "es", {"EC": 60, "ES": 25, "VE": 15}),
    "YE": (1, {"arabic": 6, "arabic_script": 4}, "ar", {"EG": 50, "JO": 30, "DJ": 20}),
    "BI": (1, {"french": 1}, "fr", {"TZ": 60, "RW": 40}),
}
# Share of learners who did not give a country of origin (it is optional).
NO_ORIGIN_SHARE = 0.04

# Cities that partners are named after, by country.
CITIES = {
    "TR": ["Gaziantep", "Istanbul", "Şanlıurfa", "Hatay"],  # noqa: RUF001 — its real name
    "LB": ["Beirut", "Tripoli", "Zahlé"],
    "JO": ["Amman", "Irbid", "Mafraq", "Zarqa"],
    "DE": ["Berlin", "Hamburg", "Munich", "Cologne"],
    "IQ": ["Erbil", "Duhok"],
    "EG": ["Cairo", "Alexandria"],
    "SE": ["Malmö", "Gothenburg"],
    "PK": ["Peshawar", "Quetta", "Islamabad"],
    "IR": ["Mashhad", "Tehran"],
    "GR": ["Athens", "Thessaloniki", "Lesbos"],
    "AT": ["Vienna", "Graz"],
    "PL": ["Warsaw", "Kraków", "Wrocław", "Lublin"],
    "CZ": ["Prague", "Brno"],
    "MD": ["Chișinău"],
    "RO": ["Bucharest", "Iași"],
    "SK": ["Bratislava", "Košice"],
    "CO": ["Bogotá", "Cúcuta", "Medellín", "Barranquilla"],
    "PE": ["Lima", "Arequipa"],
    "EC": ["Quito", "Guayaquil"],
    "CL": ["Santiago", "Antofagasta"],
    "BR": ["Boa Vista", "São Paulo"],
    "ES": ["Madrid", "Barcelona"],
    "UG": ["Kampala", "Adjumani", "Arua", "Nakivale"],
    "KE": ["Nairobi", "Kakuma", "Dadaab"],
    "ET": ["Addis Ababa", "Gambella"],
    "SD": ["Khartoum", "Kassala"],
    "RW": ["Kigali", "Mahama"],
    "TZ": ["Dar es Salaam", "Kigoma"],
    "BI": ["Bujumbura"],
    "TD": ["N'Djamena", "Abéché"],
    "SS": ["Juba"],
    "YE": ["Aden"],
    "IL": ["Tel Aviv"],
    "VE": ["Caracas"],
    "DJ": ["Djibouti"],
}
# Regions, so that a partner serves its own country and a few neighbouring ones.
REGIONS = [
    ["TR", "LB", "JO", "IQ", "EG", "YE", "IL"],
    ["DE", "SE", "AT", "GR", "PL", "CZ", "SK", "RO", "MD", "ES"],
    ["PK", "IR"],
    ["CO", "PE", "EC", "CL", "BR", "VE"],
    ["UG", "KE", "ET", "SD", "RW", "TZ", "BI", "SS", "TD", "DJ"],
]
PARTNER_KINDS = [
    "Refugee Education Trust",
    "Learning Alliance",
    "Community Learning Centre",
    "Displaced Students Network",
    "Scholars Support Office",
    "Education Without Borders",
    "Youth Learning Initiative",
    "Open Learning Hub",
]
# The first bulk partner works everywhere (as Kiron or a UNHCR programme office would).
GLOBAL_PARTNER_NAME = "Global Refugee Learning Alliance"
# Verification validity (days): share of partners using each.
VALIDITY_DAYS = {365: 6, 730: 3, 1095: 1}

# (name, slug, access method, website). "api" providers give access with seats (licences).
PROVIDERS = [
    ("Open Campus Online", "bulk-open-campus", "api", "https://open-campus.bulk.invalid"),
    ("Global MOOC Alliance", "bulk-global-mooc", "api", "https://global-mooc.bulk.invalid"),
    ("Learning Without Borders Academy", "bulk-lwb-academy", "api", "https://lwb.bulk.invalid"),
    ("Digital Skills Institute", "bulk-digital-skills", "api", "https://skills.bulk.invalid"),
    ("Language Bridge", "bulk-language-bridge", "api", "https://language.bulk.invalid"),
    ("Open Courseware Library", "bulk-open-courseware", "open", "https://ocw.bulk.invalid"),
]
# Subject: topics; a course title is a level's prefix and a topic.
SUBJECTS = {
    "Computing": [
        "programming with Python",
        "web development",
        "databases",
        "cloud computing",
        "cybersecurity",
        "mobile apps",
        "computer networks",
        "software testing",
    ],
    "Data science": [
        "data analysis",
        "statistics",
        "machine learning",
        "data visualisation",
        "spreadsheets for work",
    ],
    "Business": [
        "project management",
        "entrepreneurship",
        "accounting",
        "marketing",
        "supply chains",
        "customer service",
        "starting a small business",
    ],
    "Languages": [
        "English for work",
        "academic English",
        "German for daily life",
        "Polish conversation",
        "Spanish for beginners",
        "French for study",
        "Turkish for daily life",
    ],
    "Health": [
        "public health",
        "first aid",
        "mental health first aid",
        "nutrition",
        "community health work",
    ],
    "Education": [
        "teaching in emergencies",
        "online learning",
        "early childhood education",
        "inclusive classrooms",
    ],
    "Engineering": [
        "renewable energy",
        "electrical installations",
        "water and sanitation",
        "construction safety",
    ],
    "Humanities": ["human rights", "international law", "psychology", "journalism"],
}
LEVEL_PREFIXES = {
    "beginner": ["Introduction to", "Foundations of", "Getting started with"],
    "intermediate": ["Practical", "Applied", "Working with"],
    "advanced": ["Advanced", "Professional", "Specialisation in"],
}
COURSE_LANGUAGES = {"en": 60, "ar": 10, "fr": 8, "es": 8, "uk": 7, "fa": 7}

DISPLACEMENT = {
    "refugee": 64,
    "asylum_seeker": 16,
    "internally_displaced": 8,
    "stateless": 2,
    "other": 10,
}
REJECTION_REASONS = {
    "cannot_confirm": 45,
    "not_eligible": 25,
    "outside_area": 15,
    "duplicate": 10,
    "other": 5,
}
INFO_REQUESTS = [
    "Please upload a clearer photo of your registration document.",
    "Please tell us the office where you were registered.",
    "The document has expired: do you have a newer one?",
]
REVOKE_REASONS = [
    "The learner left the programme.",
    "Seat given to another learner after six months without activity.",
    "Duplicate enrolment.",
]
FAILURE_REASON = "The provider refused the enrolment (bulk demo data)."
CREDENTIAL_REVOCATION_REASON = "Issued in error (bulk demo data)."
