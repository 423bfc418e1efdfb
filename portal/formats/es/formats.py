# Dates that cannot be misread (never 12/05/2026): the month is always a word,
# e.g. "5 de diciembre de 2026", "5 de diciembre de 2026, 14:05".
# Formats not named here come from Django's own locale files.
DATE_FORMAT = "j \\d\\e F \\d\\e Y"
SHORT_DATE_FORMAT = "j \\d\\e F \\d\\e Y"
DATETIME_FORMAT = "j \\d\\e F \\d\\e Y, H:i"
SHORT_DATETIME_FORMAT = "j \\d\\e F \\d\\e Y, H:i"
