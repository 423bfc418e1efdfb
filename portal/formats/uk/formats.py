# Dates that cannot be misread (never 12/05/2026): the month is always a word,
# the genitive month name, e.g. "5 грудня 2026", "5 грудня 2026, 14:05".
# Formats not named here come from Django's own locale files.
DATE_FORMAT = "j E Y"
SHORT_DATE_FORMAT = "j E Y"
DATETIME_FORMAT = "j E Y, H:i"
SHORT_DATETIME_FORMAT = "j E Y, H:i"
