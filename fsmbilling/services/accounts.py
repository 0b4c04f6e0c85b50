"""Writes on user accounts: sign-up (TEN-4) creates the user and their first organization.

Users log in by email: the username is the email, lowercased, so one address is one account.
"""

from __future__ import annotations

import zoneinfo
from functools import cache

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from fsmbilling.models import Organization
from fsmbilling.services.organizations import organization_create


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


def user_for_email(email: str):
    """The account of an email (case-insensitive), or None."""
    email = normalize_email(email)
    if not email:
        return None
    User = get_user_model()
    return User.objects.filter(Q(username__iexact=email) | Q(email__iexact=email)).order_by("pk").first()


def split_name(full_name: str) -> tuple[str, str]:
    first, _sep, last = (full_name or "").strip().partition(" ")
    return first[:150], last.strip()[:150]


def _duplicate_email_error(email: str) -> ValidationError:
    return ValidationError(
        {
            "email": _(
                "An account with %(email)s already exists. Log in instead, or reset your password if you forgot it."
            )
            % {"email": email}
        },
        code="duplicate_email",
    )


@transaction.atomic
def user_create(*, email: str, password: str, full_name: str = ""):
    """A new active user whose username is the lowercased email; the password passes the configured validators."""
    email = normalize_email(email)
    User = get_user_model()
    if user_for_email(email) is not None:
        raise _duplicate_email_error(email)
    first_name, last_name = split_name(full_name)
    user = User(username=email, email=email, first_name=first_name, last_name=last_name)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:  # another sign-up with the same email won the race
        raise _duplicate_email_error(email) from exc
    return user


@transaction.atomic
def account_signup(
    *, email: str, password: str, full_name: str, organization_name: str, country: str, time_zone: str
) -> tuple[object, Organization]:
    """Create the user and their organization (the user becomes its administrator)."""
    country, time_zone = country_code(country), time_zone_name(time_zone)
    user = user_create(email=email, password=password, full_name=full_name)
    organization = organization_create(name=organization_name, owner=user, country=country, time_zone=time_zone)
    return user, organization


def organization_create_for_user(*, user, name: str, country: str, time_zone: str) -> Organization:
    """Another organization for a signed-in user (they become its administrator)."""
    return organization_create(
        name=name, owner=user, country=country_code(country), time_zone=time_zone_name(time_zone)
    )


def country_code(value: str) -> str:
    code = (value or "").strip().upper()
    if code not in COUNTRIES:
        raise ValidationError({"country": _("Choose a country from the list.")})
    return code


def time_zone_name(value: str) -> str:
    if value not in time_zones():
        raise ValidationError({"time_zone": _("Choose a time zone from the list, e.g. America/Chicago or UTC.")})
    return value


ZONE_AREAS = ("Africa", "America", "Antarctica", "Asia", "Atlantic", "Australia", "Europe", "Indian", "Pacific")


@cache
def time_zones() -> tuple[str, ...]:
    """Canonical IANA zones (Area/City) plus UTC, sorted; legacy aliases such as US/Eastern are left out."""
    names = {name for name in zoneinfo.available_timezones() if name.split("/", 1)[0] in ZONE_AREAS and "/" in name}
    return ("UTC", *sorted(names))


def country_choices() -> list[tuple[str, str]]:
    return sorted(COUNTRIES.items(), key=lambda item: item[1])


# ISO 3166-1 alpha-2 codes and short English names. The code decides the tax edition (TAX-1).
_COUNTRY_TABLE = """
AD Andorra
AE United Arab Emirates
AF Afghanistan
AG Antigua and Barbuda
AI Anguilla
AL Albania
AM Armenia
AO Angola
AQ Antarctica
AR Argentina
AS American Samoa
AT Austria
AU Australia
AW Aruba
AX Åland Islands
AZ Azerbaijan
BA Bosnia and Herzegovina
BB Barbados
BD Bangladesh
BE Belgium
BF Burkina Faso
BG Bulgaria
BH Bahrain
BI Burundi
BJ Benin
BL Saint Barthélemy
BM Bermuda
BN Brunei Darussalam
BO Bolivia
BQ Bonaire, Sint Eustatius and Saba
BR Brazil
BS Bahamas
BT Bhutan
BV Bouvet Island
BW Botswana
BY Belarus
BZ Belize
CA Canada
CC Cocos (Keeling) Islands
CD Congo (Democratic Republic)
CF Central African Republic
CG Congo (Republic)
CH Switzerland
CI Côte d'Ivoire
CK Cook Islands
CL Chile
CM Cameroon
CN China
CO Colombia
CR Costa Rica
CU Cuba
CV Cabo Verde
CW Curaçao
CX Christmas Island
CY Cyprus
CZ Czechia
DE Germany
DJ Djibouti
DK Denmark
DM Dominica
DO Dominican Republic
DZ Algeria
EC Ecuador
EE Estonia
EG Egypt
EH Western Sahara
ER Eritrea
ES Spain
ET Ethiopia
FI Finland
FJ Fiji
FK Falkland Islands (Malvinas)
FM Micronesia
FO Faroe Islands
FR France
GA Gabon
GB United Kingdom
GD Grenada
GE Georgia
GF French Guiana
GG Guernsey
GH Ghana
GI Gibraltar
GL Greenland
GM Gambia
GN Guinea
GP Guadeloupe
GQ Equatorial Guinea
GR Greece
GS South Georgia and the South Sandwich Islands
GT Guatemala
GU Guam
GW Guinea-Bissau
GY Guyana
HK Hong Kong
HM Heard Island and McDonald Islands
HN Honduras
HR Croatia
HT Haiti
HU Hungary
ID Indonesia
IE Ireland
IL Israel
IM Isle of Man
IN India
IO British Indian Ocean Territory
IQ Iraq
IR Iran
IS Iceland
IT Italy
JE Jersey
JM Jamaica
JO Jordan
JP Japan
KE Kenya
KG Kyrgyzstan
KH Cambodia
KI Kiribati
KM Comoros
KN Saint Kitts and Nevis
KP North Korea
KR South Korea
KW Kuwait
KY Cayman Islands
KZ Kazakhstan
LA Laos
LB Lebanon
LC Saint Lucia
LI Liechtenstein
LK Sri Lanka
LR Liberia
LS Lesotho
LT Lithuania
LU Luxembourg
LV Latvia
LY Libya
MA Morocco
MC Monaco
MD Moldova
ME Montenegro
MF Saint Martin (French part)
MG Madagascar
MH Marshall Islands
MK North Macedonia
ML Mali
MM Myanmar
MN Mongolia
MO Macao
MP Northern Mariana Islands
MQ Martinique
MR Mauritania
MS Montserrat
MT Malta
MU Mauritius
MV Maldives
MW Malawi
MX Mexico
MY Malaysia
MZ Mozambique
NA Namibia
NC New Caledonia
NE Niger
NF Norfolk Island
NG Nigeria
NI Nicaragua
NL Netherlands
NO Norway
NP Nepal
NR Nauru
NU Niue
NZ New Zealand
OM Oman
PA Panama
PE Peru
PF French Polynesia
PG Papua New Guinea
PH Philippines
PK Pakistan
PL Poland
PM Saint Pierre and Miquelon
PN Pitcairn
PR Puerto Rico
PS Palestine
PT Portugal
PW Palau
PY Paraguay
QA Qatar
RE Réunion
RO Romania
RS Serbia
RU Russia
RW Rwanda
SA Saudi Arabia
SB Solomon Islands
SC Seychelles
SD Sudan
SE Sweden
SG Singapore
SH Saint Helena, Ascension and Tristan da Cunha
SI Slovenia
SJ Svalbard and Jan Mayen
SK Slovakia
SL Sierra Leone
SM San Marino
SN Senegal
SO Somalia
SR Suriname
SS South Sudan
ST Sao Tome and Principe
SV El Salvador
SX Sint Maarten (Dutch part)
SY Syria
SZ Eswatini
TC Turks and Caicos Islands
TD Chad
TF French Southern Territories
TG Togo
TH Thailand
TJ Tajikistan
TK Tokelau
TL Timor-Leste
TM Turkmenistan
TN Tunisia
TO Tonga
TR Türkiye
TT Trinidad and Tobago
TV Tuvalu
TW Taiwan
TZ Tanzania
UA Ukraine
UG Uganda
UM United States Minor Outlying Islands
US United States
UY Uruguay
UZ Uzbekistan
VA Vatican City
VC Saint Vincent and the Grenadines
VE Venezuela
VG Virgin Islands, British
VI Virgin Islands, U.S.
VN Vietnam
VU Vanuatu
WF Wallis and Futuna
WS Samoa
YE Yemen
YT Mayotte
ZA South Africa
ZM Zambia
ZW Zimbabwe
"""
COUNTRIES: dict[str, str] = dict(line.split(" ", 1) for line in _COUNTRY_TABLE.strip().splitlines())
