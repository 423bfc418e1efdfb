"""Countries generalised to their continent (the UN M49 regions), for the list of learners: a
country of origin or residence is too fine to leave a row unidentifiable in a small programme."""

from django.utils.translation import gettext_lazy as _

REGIONS = {
    "africa": _("Africa"),
    "americas": _("Americas"),
    "asia": _("Asia"),
    "europe": _("Europe"),
    "oceania": _("Oceania"),
}
OTHER = _("Other or not given")

_MEMBERS = {
    "africa": """DZ AO BJ BW IO BF BI CV CM CF TD KM CG CD CI DJ EG GQ ER SZ ET TF GA GM GH GN GW KE
        LS LR LY MG MW ML MR MU YT MA MZ NA NE NG RE RW SH ST SN SC SL SO ZA SS SD TZ TG TN UG EH
        ZM ZW""",
    "americas": """AI AG AR AW BS BB BZ BM BO BQ BV BR CA KY CL CO CR CU CW DM DO EC SV FK GF GL GD
        GP GT GY HT HN JM MQ MX MS NI PA PY PE PR BL KN LC MF PM VC SX GS SR TT TC US UY VE VG
        VI""",
    "asia": """AF AM AZ BH BD BT BN KH CN CY GE HK IN ID IR IQ IL JP JO KZ KW KG LA LB MO MY MV MN
        MM NP KP OM PK PS PH QA SA SG KR LK SY TW TJ TH TL TR TM AE UZ VN YE""",
    "europe": """AX AL AD AT BY BE BA BG HR CZ DK EE FO FI FR DE GI GR GG VA HU IS IE IM IT JE LV LI
        LT LU MT MD MC ME NL MK NO PL PT RO RU SM RS SK SI ES SJ SE CH UA GB XK""",
    "oceania": """AS AU CX CC CK FJ PF GU HM KI MH FM NR NC NZ NU NF MP PW PG PN WS SB TK TO TV UM
        VU WF""",
}
REGION_OF = {code: region for region, codes in _MEMBERS.items() for code in codes.split()}


def region_label(country_code: str | None) -> str:
    """The continent of an ISO 3166 country code, printable; "Other or not given" otherwise."""
    region = REGION_OF.get(str(country_code or "").upper())
    return str(REGIONS[region]) if region else str(OTHER)
