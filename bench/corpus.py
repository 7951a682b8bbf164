"""Generate N realistic synthetic diplomacy articles for benchmarks (deterministic, seeded).

    .venv/bin/python bench/corpus.py 1000 corpus.jsonl [--seed 1] [--format jsonl|txt]

Articles recombine sentence templates of the kinds wire stories and government readouts are
made of (talks held, planned, postponed or cancelled; telephone conversations; numbered rounds of
named negotiation processes; quotes; background paragraphs; communiqués) over an invented world:
states (real ones and made-up ones, with demonyms and capitals), officials with titles, regional
organisations with special envoys, and negotiation processes with venues and round numbers.
Dates are written the way the news writes them ("on Tuesday", "November 28", "in the second
half of October", "from March 3 to 5") and are consistent with each article's date.

Everything is data: the world's building blocks and the templates are the lists and dicts
below; the code only fills slots. Article i depends only on (seed, i), so the first 1,000
articles of a 10,000-article corpus are the 1,000-article corpus, and a world (the cast of
states, people, organisations and processes) is shared by every article of a seed, so entities
recur across articles the way they do in real coverage.

JSON Lines records have "id", "title", "date", "source", "url" and "text" (kg/articles.py's
format); --format txt writes a directory of .txt files with `date`/`source`/`url`/`title`
header lines instead.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

# --- the world's building blocks ------------------------------------------------------------


def words(text: str) -> list[str]:
    return text.split()


# Given names (male, female) and surnames by naming tradition; people are random combinations.
NAMES: dict[str, tuple[list[str], list[str], list[str]]] = {
    "slavic": (
        words(
            "Ilya Oleg Bogdan Radoslav Miroslav Taras Yuri Stanislav Dmitar Lev Kirill Vadim "
            "Arkady Zoran Gleb"
        ),
        words("Irina Milena Oksana Vesna Darya Ludmila Zoria Nadia Alina Vera"),
        words(
            "Marchenko Kordunov Baranik Zhelev Voronel Dragunov Petrash Lomakin Sorokan Yelchuk "
            "Kravets Berezin Dubrava Stoyanov Tkachenko Belov Hromada Lisovsky"
        ),
    ),
    "arabic": (
        words("Karim Tariq Hassan Walid Samir Nabil Faris Yusuf Rami Khalid Ziad Omar"),
        words("Leila Rania Samira Huda Noor Dalia Salma Yasmin"),
        [
            *words("Haddad Nassar Khoury Mansour Darwish Saadeh Qassem Barakat Hamdan Azzam"),
            "al-Masri",
            "al-Tamimi",
            "al-Sayegh",
            "bin Rashed",
        ],
    ),
    "east_asian": (
        words("Jun Hiroshi Wei Takeshi Min-jun Hao Kenji Sung-ho Daisuke Jian"),
        words("Mei Yuki Ji-yeon Lan Haruka Soo-ah Xiu"),
        words("Tanabe Zhou Park Nakamura Liang Seo Kaneda Wu Matsuda Han Ishikawa Gao"),
    ),
    "western": (
        words("Henrik Laurent Matthias Pieter Anders Tomas Julian Edmund Rafael Gregor Ewan"),
        words("Ingrid Claire Astrid Helena Margot Sophie Elise Katrin"),
        [
            *words("Lindqvist Marchetti Dufresne Kessler Ashworth Moreau Halvorsen Brennan"),
            *words("Vandermeer Castellan Thorne Aubert Falkner Rasmussen"),
            "van der Berg",
            "de Vries",
            "von Albrecht",
        ],
    ),
    "latin": (
        words("Diego Mateo Joaquín Rodrigo Esteban Andrés Tomás Emilio"),
        words("Lucía Mariana Valeria Camila Inés Paloma"),
        [
            *words("Salcedo Ibarra Montoya Quintero Arce Villalba Cardenal Ferreyra Olmos"),
            "de la Vega",
            "dos Santos",
        ],
    ),
    "african": (
        words("Kwame Tendai Olusegun Amadou Jomo Themba Kofi Sipho Abdou"),
        words("Amara Nia Zanele Fatou Adaeze Wanjiru Thandiwe"),
        words("Mensah Okonjo Diallo Mwangi Banda Ndlovu Kamara Sesay Owusu Kariuki Traore"),
    ),
    "south_asian": (
        words("Arjun Rahul Vikram Imran Farhan Sanjay Nadeem"),
        words("Priya Ananya Ayesha Shreya Farah Meera"),
        words("Mehta Chaudhry Rao Qureshi Iyer Siddiqui Bhatt Malhotra Hashmi Pillai"),
    ),
}

# Real states: name, demonym, capital, another city, naming tradition.
REAL_STATES: list[tuple[str, str, str, str, str]] = [
    ("Russia", "Russian", "Moscow", "Sochi", "slavic"),
    ("Ukraine", "Ukrainian", "Kyiv", "Odesa", "slavic"),
    ("Belarus", "Belarusian", "Minsk", "Brest", "slavic"),
    ("Serbia", "Serbian", "Belgrade", "Novi Sad", "slavic"),
    ("Bulgaria", "Bulgarian", "Sofia", "Varna", "slavic"),
    ("Poland", "Polish", "Warsaw", "Krakow", "slavic"),
    ("Egypt", "Egyptian", "Cairo", "Alexandria", "arabic"),
    ("Jordan", "Jordanian", "Amman", "Aqaba", "arabic"),
    ("Qatar", "Qatari", "Doha", "Lusail", "arabic"),
    ("Oman", "Omani", "Muscat", "Salalah", "arabic"),
    ("Tunisia", "Tunisian", "Tunis", "Sfax", "arabic"),
    ("Lebanon", "Lebanese", "Beirut", "Tripoli", "arabic"),
    ("Japan", "Japanese", "Tokyo", "Osaka", "east_asian"),
    ("China", "Chinese", "Beijing", "Shanghai", "east_asian"),
    ("South Korea", "South Korean", "Seoul", "Busan", "east_asian"),
    ("Vietnam", "Vietnamese", "Hanoi", "Da Nang", "east_asian"),
    ("Germany", "German", "Berlin", "Munich", "western"),
    ("France", "French", "Paris", "Lyon", "western"),
    ("Norway", "Norwegian", "Oslo", "Bergen", "western"),
    ("Sweden", "Swedish", "Stockholm", "Gothenburg", "western"),
    ("Finland", "Finnish", "Helsinki", "Turku", "western"),
    ("Austria", "Austrian", "Vienna", "Salzburg", "western"),
    ("Switzerland", "Swiss", "Bern", "Geneva", "western"),
    ("Netherlands", "Dutch", "Amsterdam", "The Hague", "western"),
    ("United Kingdom", "British", "London", "Edinburgh", "western"),
    ("United States", "American", "Washington", "New York", "western"),
    ("Italy", "Italian", "Rome", "Milan", "western"),
    ("Brazil", "Brazilian", "Brasilia", "Rio de Janeiro", "latin"),
    ("Argentina", "Argentine", "Buenos Aires", "Cordoba", "latin"),
    ("Colombia", "Colombian", "Bogota", "Cartagena", "latin"),
    ("Mexico", "Mexican", "Mexico City", "Monterrey", "latin"),
    ("Chile", "Chilean", "Santiago", "Valparaiso", "latin"),
    ("Kenya", "Kenyan", "Nairobi", "Mombasa", "african"),
    ("Ethiopia", "Ethiopian", "Addis Ababa", "Dire Dawa", "african"),
    ("Ghana", "Ghanaian", "Accra", "Kumasi", "african"),
    ("Nigeria", "Nigerian", "Abuja", "Lagos", "african"),
    ("South Africa", "South African", "Pretoria", "Cape Town", "african"),
    ("India", "Indian", "New Delhi", "Mumbai", "south_asian"),
    ("Pakistan", "Pakistani", "Islamabad", "Lahore", "south_asian"),
    ("Bangladesh", "Bangladeshi", "Dhaka", "Chittagong", "south_asian"),
]
STATES_NEEDING_THE = {"United Kingdom", "United States", "Netherlands"}

# Invented states: syllables for names, with name and demonym endings that go together.
SYLLABLES = words("val dor kes tra mir sol ven ar bel osk rav lun ter hal zan cor ped vor nal is")
STATE_ENDINGS = [("ia", "ian"), ("ania", "anian"), ("istan", "istani"), ("ova", "ovan")]
STATE_ENDINGS += [("ar", "ari"), ("enia", "enian"), ("land", "lander"), ("ica", "ican")]
CITY_ENDINGS = ["grad", "ville", "abad", "port", "haven", "burg", "ana", "ovo", "ek", "ar", ""]
REGION_FORMS = [
    "the {X} Valley",
    "the {X} Strait",
    "the {X} Plateau",
    "the {X} Delta",
    "the {X} Islands",
    "the {X} river basin",
    "the {X} Corridor",
    "the {X} Highlands",
    "northern {S}",
    "eastern {S}",
]

# Organisations: real regional bodies and invented ones; name, short form.
REAL_ORGS = [
    ("United Nations", "UN"),
    ("European Union", "EU"),
    ("Organization for Security and Co-operation in Europe", "OSCE"),
    ("African Union", "AU"),
    ("Association of Southeast Asian Nations", "ASEAN"),
    ("Arab League", "Arab League"),
    ("International Atomic Energy Agency", "IAEA"),
]
INVENTED_ORG_FORMS = [
    "Council of {R} States",
    "{R} Cooperation Organisation",
    "{R} Economic Community",
    "{R} Security Forum",
    "Union of {R} Nations",
    "{R} Commission for Peace and Development",
]
ORG_REGIONS = ["Littoral", "Steppe", "Northern Rim", "Inland Sea", "Southern Ocean", "Highland"]
ORG_REGIONS += ["Riverine", "Equatorial", "Caspian-Pontic", "Arctic", "Mountain"]

TOPICS = [
    "maritime delimitation in {R}",
    "the status of {R}",
    "water sharing in {R}",
    "a ceasefire in {R}",
    "the exchange of prisoners",
    "the return of displaced persons to {R}",
    "the nuclear programme of {S}",
    "transit tariffs",
    "the demarcation of the border",
    "sanctions relief",
    "fishing rights in {R}",
    "a new security arrangement for {R}",
    "the withdrawal of forces from {R}",
    "humanitarian access to {R}",
    "trade and investment",
    "energy supplies",
    "the reopening of border crossings",
]
TOPICS_EXTRA = [
    "economic cooperation",
    "the humanitarian situation",
    "regional security",
    "counter-terrorism cooperation",
    "climate and energy",
    "visa facilitation",
    "migration",
    "arms control",
    "the situation in the Middle East",
    "cooperation in international organisations",
    "cultural and educational exchanges",
    "the fight against organised crime",
]
FORUMS = [
    "regional security conference",
    "annual economic forum",
    "foreign ministers' meeting of the {O_short}",
    "summit of the {O}",
]

# Negotiation processes: their full name and the short name later sentences use.
PROCESS_FORMS = [
    ("the {V} talks on {R}", "the {V} talks"),
    ("the {V} format talks on {R}", "the {V} format"),
    ("the inter-{D} talks", "the inter-{D} talks"),
    ("the {D}-{D2} strategic dialogue", "the strategic dialogue"),
    ("the {N} talks on {T}", "the {N} talks"),
    ("the {O}-led negotiations on {R}", "the negotiations"),
    ("the {V} process", "the {V} process"),
]
NEUTRAL_VENUES = words("Geneva Vienna Helsinki Oslo Doha Muscat Istanbul Nairobi Singapore")

AGENCIES = [
    ("Meridian News Agency", "MNA"),
    ("Continental Press", "CP"),
    ("Baltrum Wire", "Baltrum"),
    ("Eastline", "Eastline"),
    ("Pan-Regional Telegraph", "PRT"),
    ("Capital Post Service", "CPS"),
]

# Positions held in each state, as (title, role); a state has one person per position.
STATE_POSITIONS = [
    ("President", "leader"),
    ("Prime Minister", "leader"),
    ("{FM}", "minister"),
    ("Deputy Foreign Minister", "deputy"),
    ("Deputy Foreign Minister", "deputy"),
    ("Defence Minister", "minister"),
    ("Minister of Trade", "minister"),
    ("National Security Adviser", "adviser"),
    ("Permanent Representative to the United Nations", "envoy"),
    ("chief negotiator", "negotiator"),
    ("Foreign Ministry spokesperson", "spokesperson"),
]
FM_TITLES = ["Foreign Minister", "Minister for Foreign Affairs", "Minister of Foreign Affairs"]
ORG_POSITIONS = [("Secretary-General", "leader"), ("spokesperson", "spokesperson")]

WORDS_ORDINAL = words("first second third fourth fifth sixth seventh eighth ninth tenth eleventh")
WORDS_ORDINAL += words("twelfth thirteenth fourteenth fifteenth")
WEEKDAYS = words("Monday Tuesday Wednesday Thursday Friday Saturday Sunday")
MONTHS = words("January February March April May June July August September October November")
MONTHS += ["December"]

# --- templates ------------------------------------------------------------------------------
# Slots: persons A, B (the main pair), C, D (others), M (the process's mediator), K (a
# spokesperson): {A} is the full titled form on first use and the surname afterwards; {A_sur},
# {A_name}, {A_title}, {A_he}, {A_his}, {A_state}, {A_dem} are fixed forms. States S1, S2, S3
# ({S1_dem}, {S1_cap}, {S1_ministry}, {S1_office}), the mediating organisation {O} ({O_short}),
# the process {P} ({P_short}, {P_topic}, {P_region}), round numbers {R} (this one), {R_prev},
# {R_next}, the venue {V}, topics {T}, {T2}, and dates: {when} (the lead event's date), {recent}
# (a day in the past week), {past_day}, {past_vague}, {fut_day}, {fut_vague}, {fut_range},
# {year}, and small things: {n}, {adj1}, {adj2}, {quote}, {forum}, {agency}.

LEADS: dict[str, list[str]] = {
    "meeting_planned": [
        "{A} will hold talks {when} with {B}.",
        "{A} is expected to meet {B} in {V} {when}, {S1_dem} officials said.",
        "{A} and {B} are due to meet in {V} {when} to discuss {T}.",
        "{A} will travel to {V} {when} for consultations with {B} on {T}, the {S1_ministry} "
        "said {recent}.",
        "{B} will receive {A} in {V} {when}, with {T} and {P_short} at the top of the agenda.",
    ],
    "meeting_held": [
        "{A} held talks with {B} in {V} {when}.",
        "{A} met {B} {when} in {V}, where the two discussed {T} and the state of {P_short}.",
        "{A} and {B} held consultations in {V} {when} on {T}.",
        "{B} received {A} in {V} {when} for talks that officials described as {adj1}.",
        "{A} and {B} met on the sidelines of the {forum} in {V} {when}.",
    ],
    "meeting_cancelled": [
        "A planned meeting between {A} and {B} in {V} was called off {when}, days after "
        "{S2} accused {S1} of breaking the terms of the ceasefire in {P_region}.",
        "{A} has cancelled a visit to {V}, where {A_he} had been due to hold talks with {B} "
        "{fut_day}, the {S1_ministry} said {when}.",
        "Talks between {A} and {B} that had been planned for {fut_date} in {V} will not take "
        "place, officials on both sides confirmed {when}.",
    ],
    "call_held": [
        "{A} had a telephone conversation with {B} {when}.",
        "{A} spoke by phone with {B} {when}.",
        "{A} and {B} discussed {T} in a phone call {when}, the {S1_office} said.",
        "{A} held a telephone conversation with {B} {when} at the {S2_dem} side's request.",
    ],
    "round_planned": [
        "The {R} round of {P} will be held in {V} {when}, {M} said {recent}.",
        "{S1} and {S2} will resume {P} in {V} {fut_range}, the {O} announced {recent}.",
        "Delegations from {S1}, {S2} and {S3} are expected in {V} {when} for the {R} round of {P}.",
        "{M} said {recent} that the {R} round of {P} is scheduled to open in {V} {when}.",
    ],
    "round_held": [
        "The {R} round of {P} opened in {V} {when}, with {M} moving between the delegations "
        "of {S1} and {S2}.",
        "Negotiators from {S1} and {S2} ended the {R} round of {P} in {V} {when} without "
        "agreeing on {T}.",
        "The {R} round of {P} ended in {V} {when} after three days of closed-door sessions "
        "chaired by {M}.",
    ],
    "round_postponed": [
        "The {R} round of {P}, which had been scheduled for {fut_date}, has been postponed "
        "until {fut_period}, {M} said {when}.",
        "{O_short} mediators have put off the {R} round of {P} in {V}, citing "
        "disagreements over the agenda, officials said {when}.",
        "The {R} round of {P} will not open in {V} {fut_day} as planned; {M} told "
        "reporters {when} that it had been pushed back to {fut_period}.",
    ],
    "communique": [
        "The {R} meeting of the {S1}-{S2} Joint Commission was held in {V} {when}.",
        "The {R} session of the {S1}-{S2} Intergovernmental Commission took place in {V} {when}.",
    ],
}

SECTIONS: dict[str, list[str]] = {
    "purpose": [
        "The two sides will discuss {T} and preparations for the {R_next} round of {P}.",
        "According to the {S1_ministry}, the agenda includes {T} and {T2}.",
        "{K} told reporters the meeting would focus on {T}.",
        "The consultations are part of a series of contacts ahead of the {R_next} round of "
        "{P_short}, which {M} hopes to convene {next_vague}.",
        "Diplomats said the talks would also touch on {T2}.",
    ],
    "attendance": [
        "The talks were attended by delegations of {S1}, {S2} and {S3}, as well as "
        "representatives of the {O}.",
        "{C} and {D} also took part in the consultations.",
        "{A} was accompanied by {C}, while the {S2_dem} delegation included {D}.",
        "The {O} was represented by {M}.",
    ],
    "quote": [
        '"{quote}," {A} told reporters after the meeting.',
        '{A} described the talks as "{adj1} and {adj2}".',
        'Speaking at a news conference in {V}, {B} said: "{quote}."',
        '"{quote}," {K} said in a statement posted on the ministry\'s website.',
        '{M} said there had been "{adj1}" progress, but warned that "{quote_l}."',
        '"{quote}," {B} said in an interview with the {agency}.',
        '{C} told the {agency} that the talks were "{adj1}" and that "{quote_l}."',
    ],
    "reaction": [
        "{S3} welcomed the talks, and {K} urged both sides to show flexibility.",
        "Opposition figures in {S2} criticised the meeting, saying it had produced nothing new.",
        "Analysts in {S1_cap} said expectations for a breakthrough remained low.",
        "Neither side gave details of any agreement on {T}.",
        "{D} called the outcome {adj1} but said implementation would be the real test.",
    ],
    "background_round": [
        "The previous, {R_prev} round of {P_short} ended {prev_day} with no agreement on {T}.",
        "The {R_prev} round, held in {V} {prev_vague}, produced a joint statement but no "
        "breakthrough.",
        "Initially, the {R} round was supposed to take place {past_vague}, but it was delayed "
        "after {S2} objected to the agenda.",
        "At the {R_prev} round {prev_vague}, the delegations agreed to set up working groups on "
        "{T} and {T2}.",
        "Little has come of {P_short} since the {R_prev} round, when {S1} and {S2} traded "
        "accusations over {P_region}.",
    ],
    "background_history": [
        "The {O} launched {P} in {year}.",
        "{S1} and {S2} have been at odds over {P_region} since {year}.",
        "More than {n} people have been displaced by fighting in {P_region} since {year}.",
        "The first round of {P_short} took place in {year}, after a ceasefire brokered by {S3} "
        "ended months of clashes.",
        "The {O} first appointed a special envoy for {P_region} in {year}.",
        "{S3} has hosted several rounds of {P_short} and has offered to do so again.",
    ],
    "earlier_contacts": [
        "{past_vague}, {M} visited {S1_cap}, where {M_he} held talks with {C} and {D}.",
        "Earlier, {A} met {C} in {S1_cap} and discussed {T2}.",
        "{M} briefed the {O} on the state of the negotiations {past_day}.",
        "{B} also held meetings with {C}, {D} and officials of the {O} {past_vague}.",
        "{A} last met {B} {past_vague} in {V}.",
        "{past_day}, {C} spoke by phone with {D} about {T2}.",
    ],
    "readout": [
        "The leaders discussed {T} and the outlook for {P_short}.",
        "{A} briefed {B} on {T2}.",
        "They agreed to remain in close contact.",
        "The conversation took place at the initiative of the {S2_dem} side.",
        "Both sides stressed the importance of implementing the agreements reached at the "
        "{R_prev} round of {P_short}.",
        "{A} and {B} also touched upon {T2} and the development of bilateral relations.",
        "{A} thanked {B} for {S2}'s support on {T}.",
        "They agreed to continue contacts at various levels, including between their foreign "
        "ministries.",
    ],
    "outlook": [
        "The {R_next} round of {P_short} is tentatively scheduled for {next_date}.",
        "{K} said a date for the next meeting would be agreed through diplomatic channels.",
        "Officials said {A} and {B} could meet again on the sidelines of the {forum} in "
        "{S3_cap} {fut_vague}.",
        "{M} is expected to report to the {O} on the results {fut_vague}.",
        "The delegations will reconvene in {V} {fut_range}.",
        "A follow-up meeting at the level of deputy ministers is expected {fut_vague}.",
    ],
    "communique_body": [
        "The session was co-chaired by {A} and {B}.",
        "Ministers reviewed progress on {T} and agreed to intensify cooperation on {T2}.",
        "The two sides signed a memorandum of understanding on {T2}.",
        "Ministers welcomed the outcome of the senior officials' meeting held in {S2_cap} "
        "{past_vague}.",
        "The Commission noted the importance of {P_short} for stability in {P_region}.",
        "Ministers agreed that the next session of the Commission will be held in {S2_cap} "
        "{fut_vague}.",
        "The delegations exchanged views on {T} and on cooperation within the {O}.",
        "Ministers expressed concern about the situation in {P_region} and called for full "
        "implementation of the agreements reached at the {R_prev} round of {P_short}.",
        "{A} briefed the Commission on preparations for the {forum}, to be held in {S1_cap} "
        "{fut_vague}.",
        "{B} informed ministers of {S2}'s proposals on {T2}.",
        "The two sides agreed to establish a working group on {T2}, to be led by {C} and {D}.",
        "Ministers noted the role of the {O} and welcomed the work of {M}.",
        "Ministers expressed appreciation to the Government of {S1} for hosting the session.",
    ],
}

QUOTES = [
    "We have made real progress on {T}, but a number of difficult questions remain open",
    "The door to dialogue remains open, and we intend to use it",
    "Our position on {T} has not changed",
    "We expect the next round to produce concrete results",
    "Nobody should expect a breakthrough at a single session",
    "There is no alternative to a negotiated settlement in {P_region}",
    "We discussed everything frankly, including the issues on which we disagree",
    "The ball is now in {S2}'s court",
    "Both sides showed a willingness to listen",
    "We are closer to an agreement than we were a month ago",
    "This is a process, not an event",
    "We will not accept any preconditions",
]
ADJECTIVES = words("constructive substantive frank useful positive businesslike detailed")
ADJECTIVES += words("difficult productive intensive")

TITLES: dict[str, list[str]] = {
    "meeting_planned": [
        "{A_dem} {A_title_l} to hold talks with {B_sur} on {T_short}",
        "{A_sur} to meet {B_sur} in {V} ahead of new round of {P_short_bare}",
        "{S1}, {S2} officials to meet in {V}",
    ],
    "meeting_held": [
        "{A_sur}, {B_sur} discuss {T_short} in {V}",
        "{A_dem} and {B_dem} officials hold talks in {V}",
        "{A_sur} meets {B_sur} as {P_short_bare} stall",
    ],
    "meeting_cancelled": [
        "{A_sur}-{B_sur} meeting in {V} called off",
        "{S1}, {S2} cancel planned talks in {V}",
    ],
    "call_held": [
        "Telephone conversation with {B_title} {B_name}",
        "{A_title} {A_sur} speaks with {B_dem} counterpart",
        "Readout of {A_title} {A_name}'s call with {B_title} {B_name}",
    ],
    "round_planned": [
        "{R_cap} round of {P_short_bare} set for {V}",
        "{S1} and {S2} to resume {P_short_bare}",
        "{O_short} envoy announces new round of {P_short_bare}",
    ],
    "round_held": [
        "{R_cap} round of {P_short_bare} ends without breakthrough",
        "{P_short_cap} resume in {V}",
    ],
    "round_postponed": [
        "{R_cap} round of {P_short_bare} postponed",
        "{O_short} delays new round of {P_short_bare}",
    ],
    "communique": [
        "{R_cap} {S1}-{S2} Joint Commission: joint statement",
        "Joint statement on the {R} session of the {S1}-{S2} Commission",
    ],
}

# Article kinds: weight, the story they lead with, the paragraphs (lists of sections) in
# order, and the style (wire stories get a dateline and an agency, readouts a ministry).
KINDS: dict[str, tuple[int, list[str], list[list[str]], str]] = {
    "meeting": (
        30,
        ["meeting_planned", "meeting_held", "meeting_held", "meeting_cancelled"],
        [
            ["lead", "purpose"],
            ["attendance"],
            ["quote", "reaction"],
            ["background_round", "background_history"],
            ["earlier_contacts"],
            ["outlook"],
        ],
        "wire",
    ),
    "call": (
        20,
        ["call_held"],
        [["lead"], ["readout", "readout"], ["readout", "readout"], ["background_history"]],
        "readout",
    ),
    "round": (
        35,
        ["round_planned", "round_held", "round_postponed"],
        [
            ["lead"],
            ["purpose", "attendance"],
            ["background_round", "background_round"],
            ["quote"],
            ["earlier_contacts", "background_history"],
            ["outlook"],
        ],
        "wire",
    ),
    "communique": (
        15,
        ["communique"],
        [["lead"], ["communique_body"], ["communique_body"], ["communique_body"]],
        "statement",
    ),
}
# Paragraphs added (each template at most once per article) until the target length is met.
FILLERS: dict[str, list[list[str]]] = {
    "wire": [
        ["quote"],
        ["background_history", "background_round"],
        ["earlier_contacts"],
        ["reaction", "quote"],
        ["earlier_contacts", "reaction"],
        ["background_history"],
        ["attendance", "purpose"],
    ],
    "readout": [["readout"], ["background_history"], ["earlier_contacts"], ["quote"]],
    "statement": [
        ["communique_body"],
        ["communique_body", "communique_body"],
        ["background_history"],
        ["earlier_contacts"],
    ],
}

# --- the world ------------------------------------------------------------------------------


@dataclass
class State:
    name: str
    demonym: str
    capital: str
    city: str
    tradition: str
    officials: list[Person] = field(default_factory=list)

    @property
    def ref(self) -> str:
        return f"the {self.name}" if self.name in STATES_NEEDING_THE else self.name


@dataclass
class Org:
    name: str
    short: str
    officials: list[Person] = field(default_factory=list)


@dataclass
class Person:
    given: str
    surname: str
    female: bool
    title: str
    role: str
    state: State | None = None
    org: Org | None = None

    @property
    def name(self) -> str:
        return f"{self.given} {self.surname}"


@dataclass
class Process:
    name: str
    short: str
    topic: str
    region: str
    venue: str
    org: Org
    mediator: Person
    parties: list[State]
    first_year: int
    first_round: int


@dataclass
class World:
    states: list[State]
    orgs: list[Org]
    processes: list[Process]


def _person(rng: random.Random, tradition: str, title: str, role: str, **where: object) -> Person:
    male, female, surnames = NAMES[tradition]
    is_female = rng.random() < 0.3
    given = rng.choice(female if is_female else male)
    if rng.random() < 0.15:  # an invented surname, so the cast is not limited to the lists
        surname = (rng.choice(SYLLABLES) + rng.choice(SYLLABLES)).capitalize() + rng.choice(
            ["ov", "ic", "ani", "sen", "ez", "a", "idis", "escu"]
        )
    else:
        surname = rng.choice(surnames)
    return Person(given, surname, is_female, title, role, **where)  # type: ignore[arg-type]


def _invented_word(rng: random.Random, used: set[str]) -> str:
    while True:
        word = "".join(rng.choice(SYLLABLES) for _ in range(rng.choice([1, 2, 2]))).capitalize()
        if word not in used and len(word) > 3:
            used.add(word)
            return word


def make_world(seed: int) -> World:
    rng = random.Random(f"world/{seed}")
    used: set[str] = set()
    states = [State(*row) for row in REAL_STATES]
    for _ in range(16):
        root = _invented_word(rng, used)
        ending, dem_ending = rng.choice(STATE_ENDINGS)
        capital = _invented_word(rng, used) + rng.choice(CITY_ENDINGS)
        city = _invented_word(rng, used) + rng.choice(CITY_ENDINGS)
        states.append(
            State(root + ending, root + dem_ending, capital, city, rng.choice(list(NAMES)))
        )
    for state in states:
        fm = rng.choice(FM_TITLES)
        for title, role in STATE_POSITIONS:
            state.officials.append(
                _person(rng, state.tradition, title.format(FM=fm), role, state=state)
            )
    orgs = [Org(name, short) for name, short in REAL_ORGS]
    for region in rng.sample(ORG_REGIONS, 6):
        name = rng.choice(INVENTED_ORG_FORMS).format(R=region)
        short = "".join(w[0] for w in re.findall(r"[A-Z][a-z]+", name))
        orgs.append(Org(name, short))
    for org in orgs:
        for title, role in ORG_POSITIONS:
            org.officials.append(_person(rng, rng.choice(list(NAMES)), title, role, org=org))
    processes = []
    for _ in range(30):
        parties = rng.sample(states, rng.choice([2, 2, 3, 4]))
        anchor = parties[0]
        region = rng.choice(REGION_FORMS).format(X=_invented_word(rng, used), S=anchor.name)
        topic = rng.choice(TOPICS).format(R=region, S=anchor.ref)
        org = rng.choice(orgs)
        venue = rng.choice([*NEUTRAL_VENUES, parties[-1].capital, rng.choice(states).city])
        full, short = rng.choice(PROCESS_FORMS)
        fields = {
            "V": venue,
            "R": region,
            "T": topic,
            "D": anchor.demonym,
            "D2": parties[1].demonym,
            "N": ["bilateral", "three-party", "four-party"][len(parties) - 2],
            "O": org.short,
        }
        mediator = _person(
            rng, rng.choice(list(NAMES)), f"Special Envoy for {region}", "envoy", org=org
        )
        org.officials.append(mediator)
        processes.append(
            Process(
                full.format(**fields),
                short.format(**fields),
                topic,
                region,
                venue,
                org,
                mediator,
                parties,
                rng.randint(1995, 2015),
                rng.randint(1, 12),
            )
        )
    return World(states, orgs, processes)


def _bare(region: str) -> str:
    return region[4:] if region.startswith("the ") else region


# --- dates ----------------------------------------------------------------------------------


def _month_day(rng: random.Random, d: date) -> str:
    return (
        f"{MONTHS[d.month - 1]} {d.day}"
        if rng.random() < 0.75
        else f"{d.day} {MONTHS[d.month - 1]}"
    )


# Parts of a month: how a sentence says "in" it, and the bare noun phrase ("until late May").
MONTH_PARTS = [
    ("in the first half of {m}", "the first half of {m}"),
    ("in the second half of {m}", "the second half of {m}"),
    ("in early {m}", "early {m}"),
    ("in mid-{m}", "mid-{m}"),
    ("at the end of {m}", "the end of {m}"),
    ("in late {m}", "late {m}"),
    ("in {m}", "{m}"),
]


def _vague(rng: random.Random, d: date, anchor: date, bare: bool = False) -> str:
    month = MONTHS[d.month - 1]
    year = f" {d.year}" if d.year != anchor.year else ""
    return rng.choice(MONTH_PARTS)[bare].format(m=month + year)


def _part_containing(rng: random.Random, d: date, anchor: date) -> str:
    """A vague phrase for a part of d's month that does contain d ("in late June")."""
    month = MONTHS[d.month - 1] + (f" {d.year}" if d.year != anchor.year else "")
    third = "in early {m}" if d.day <= 10 else "in mid-{m}" if d.day <= 20 else "in late {m}"
    half = "in the first half of {m}" if d.day <= 15 else "in the second half of {m}"
    return rng.choice([third, half, "in {m}"]).format(m=month)


class Dates:
    """Date expressions consistent with the article date."""

    def __init__(self, rng: random.Random, anchor: date) -> None:
        self.rng, self.anchor = rng, anchor

    def recent(self) -> str:
        delta = self.rng.randint(0, 6)
        if delta == 0:
            return self.rng.choice(["today", "on " + WEEKDAYS[self.anchor.weekday()]])
        if delta == 1 and self.rng.random() < 0.4:
            return "yesterday"
        return "on " + WEEKDAYS[(self.anchor - timedelta(days=delta)).weekday()]

    def past_day(self) -> str:
        d = self.anchor - timedelta(days=self.rng.randint(8, 120))
        return "on " + _month_day(self.rng, d)

    def past_vague(self) -> str:
        r = self.rng.random()
        if r < 0.15:
            return self.rng.choice(["last month", "earlier this month", "last week"])
        if r < 0.25:
            return f"{self.rng.choice(['two', 'three', 'four', 'six'])} months ago"
        d = self.anchor - timedelta(days=self.rng.randint(35, 300))
        return _vague(self.rng, d, self.anchor)

    def fut_date(self) -> str:
        if self.rng.random() < 0.35:
            delta = self.rng.randint(1, 6)
            if delta == 1 and self.rng.random() < 0.3:
                return "tomorrow"
            return WEEKDAYS[(self.anchor + timedelta(days=delta)).weekday()]
        return _month_day(self.rng, self.anchor + timedelta(days=self.rng.randint(7, 75)))

    def fut_day(self) -> str:
        when = self.fut_date()
        return when if when == "tomorrow" else "on " + when

    def fut_vague(self) -> str:
        if self.rng.random() < 0.3:
            return self.rng.choice(
                ["next week", "later this month", "next month", "in the coming weeks"]
            )
        d = self.anchor + timedelta(days=self.rng.randint(30, 200))
        return _vague(self.rng, d, self.anchor)

    def fut_period(self) -> str:
        if self.rng.random() < 0.2:
            return self.rng.choice(["next month", "the end of the year", "next year"])
        d = self.anchor + timedelta(days=self.rng.randint(30, 200))
        return _vague(self.rng, d, self.anchor, bare=True)

    def fut_range(self) -> str:
        d = self.anchor + timedelta(days=self.rng.randint(5, 60))
        end = d + timedelta(days=self.rng.randint(1, 3))
        month = MONTHS[d.month - 1]
        if end.month != d.month:
            return f"from {month} {d.day} to {MONTHS[end.month - 1]} {end.day}"
        return self.rng.choice(
            [f"from {month} {d.day} to {end.day}", f"on {month} {d.day}-{end.day}"]
        )

    def year(self) -> str:
        return str(self.anchor.year - self.rng.randint(2, 15))


# --- one article ----------------------------------------------------------------------------


def _ordinal(rng: random.Random, n: int) -> str:
    if n <= len(WORDS_ORDINAL) and rng.random() < 0.4:
        return WORDS_ORDINAL[n - 1]
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


class Slots(dict):
    """Template slots; person slots give the full titled form first and the surname after."""

    def __init__(self, rng: random.Random, people: dict[str, Person], **fixed: str) -> None:
        super().__init__(fixed)
        self.rng, self.people, self.seen = rng, people, set()

    def __missing__(self, key: str) -> str:
        name, _, form = key.partition("_")
        if name in self.people:
            return self._person(name, self.people[name], form)
        raise KeyError(key)

    def _person(self, key: str, p: Person, form: str) -> str:
        dem = p.state.demonym if p.state else (p.org.short if p.org else "")
        simple = {
            "sur": p.surname,
            "name": p.name,
            "title": p.title,
            "he": "she" if p.female else "he",
            "his": "her" if p.female else "his",
            "dem": dem,
            "state": p.state.ref if p.state else (f"the {p.org.name}" if p.org else ""),
        }
        if form == "title_l":
            return p.title if p.title[0].islower() else p.title.lower()
        if form:
            return simple[form]
        if key in self.seen:
            short = p.title.split(" for ")[0].split(" to ")[0].lower()
            if self.rng.random() < 0.15 and p.role != "spokesperson" and len(short.split()) < 4:
                return "the " + short
            return p.surname
        self.seen.add(key)
        if p.state is not None:
            forms = [f"{dem} {p.title} {p.name}", f"{dem} {p.title} {p.name}"]
            if p.role in ("leader", "minister"):
                forms.append(f"{p.title} of {p.state.ref} {p.name}")
        else:
            assert p.org is not None
            forms = [f"{p.org.short} {p.title} {p.name}", f"{p.org.name} {p.title} {p.name}"]
        return self.rng.choice(forms)


def _pick_pair(rng: random.Random, kind: str, process: Process) -> tuple[Person, Person]:
    s1, s2 = process.parties[0], process.parties[1]
    by_role = {
        "leader": ["leader"],
        "minister": ["minister"],
        "deputy": ["deputy", "envoy", "negotiator"],
    }
    level = rng.choice(["leader"] if kind == "call" else ["minister", "deputy", "deputy"])
    a = rng.choice([p for p in s1.officials if p.role in by_role[level]])
    if kind == "meeting" and rng.random() < 0.4:
        return a, process.mediator
    b = rng.choice([p for p in s2.officials if p.role in by_role[level]])
    return a, b


def _fill(template: str, slots: Slots) -> str:
    text = template.format_map(slots)
    return text[0].upper() + text[1:]


def generate_article(world: World, seed: int, index: int) -> dict[str, str]:
    rng = random.Random(f"{seed}/{index}")
    anchor = date(2005, 1, 1) + timedelta(days=rng.randint(0, 20 * 365))
    dates = Dates(rng, anchor)
    kind = rng.choices(list(KINDS), weights=[k[0] for k in KINDS.values()])[0]
    _, stories, paragraphs, style = KINDS[kind]
    story = rng.choice(stories)
    process = rng.choice(world.processes)
    s1, s2 = process.parties[0], process.parties[1]
    s3 = process.parties[2] if len(process.parties) > 2 else rng.choice(world.states)
    a, b = _pick_pair(rng, kind, process)
    c, d = (
        rng.choice([p for p in s.officials if p not in (a, b) and p.role != "spokesperson"])
        for s in (s1, s2)
    )
    k = rng.choice([p for p in (*s1.officials, *process.org.officials) if p.role == "spokesperson"])
    rounds_so_far = process.first_round + (anchor.year - 2005) // 2
    round_number = max(2, rounds_so_far + rng.randint(0, 3))
    # the previous and the next round each have one date, however many sentences mention them
    prev = anchor - timedelta(days=rng.randint(20, 140))
    nxt = anchor + timedelta(days=rng.randint(80, 200))
    when = {
        "planned": dates.fut_day,
        "held": dates.recent,
        "cancelled": dates.recent,
        "postponed": dates.recent,
    }
    status = story.rsplit("_", 1)[-1] if "_" in story else "held"
    topic, topic2 = rng.sample([process.topic, *TOPICS_EXTRA], 2)
    agency_name, agency_short = rng.choice(AGENCIES)
    round_word = _ordinal(rng, round_number)
    slots = Slots(
        rng,
        {"A": a, "B": b, "C": c, "D": d, "M": process.mediator, "K": k},
        S1=s1.ref,
        S2=s2.ref,
        S3=s3.ref,
        S1_dem=s1.demonym,
        S2_dem=s2.demonym,
        S1_cap=s1.capital,
        S2_cap=s2.capital,
        S3_cap=s3.capital,
        S1_ministry=rng.choice([f"{s1.demonym} Foreign Ministry", f"{s1.demonym} ministry"]),
        S1_office=rng.choice([f"{s1.demonym} presidential office", "government's press office"]),
        O=process.org.name,
        O_short=process.org.short,
        P=process.name,
        P_short=process.short,
        P_short_bare=process.short.removeprefix("the "),
        P_short_cap=process.short.removeprefix("the ").capitalize(),
        P_region=process.region,
        R=round_word,
        R_cap=round_word.capitalize(),
        R_prev=_ordinal(rng, round_number - 1),
        R_next=_ordinal(rng, round_number + 1),
        V=process.venue if kind != "call" else s1.capital,
        T=topic,
        T2=topic2,
        T_short=_bare(topic).split(" in ")[0],
        agency=agency_short,
        prev_day="on " + _month_day(rng, prev),
        prev_vague=_part_containing(rng, prev, anchor),
        next_date=_month_day(rng, nxt),
        next_vague=_part_containing(rng, nxt, anchor),
        forum=rng.choice(FORUMS).format(O=process.org.name, O_short=process.org.short),
    )

    dynamic = {
        "when": when.get(status, dates.recent),
        "recent": dates.recent,
        "past_day": dates.past_day,
        "past_vague": dates.past_vague,
        "fut_day": dates.fut_day,
        "fut_date": dates.fut_date,
        "fut_vague": dates.fut_vague,
        "fut_period": dates.fut_period,
        "fut_range": dates.fut_range,
        "year": dates.year,
        "n": lambda: f"{rng.choice([2, 5, 10, 20, 40, 100]) * 1000:,}",
    }
    used: set[str] = set()
    quotes = rng.sample(QUOTES, len(QUOTES))

    def sentence(section: str) -> str | None:
        pool = LEADS[story] if section == "lead" else SECTIONS[section]
        fresh = [t for t in pool if t not in used]
        if not fresh:
            return None
        template = rng.choice(fresh)
        used.add(template)
        for key, make in dynamic.items():
            slots[key] = make()
        slots["adj1"], slots["adj2"] = rng.sample(ADJECTIVES, 2)
        if "{quote" in template:
            quote = (quotes.pop() if quotes else rng.choice(QUOTES)).format_map(slots)
            slots["quote"], slots["quote_l"] = quote, quote[0].lower() + quote[1:]
        return _fill(template, slots)

    body: list[str] = []

    def paragraph(spec: list[str]) -> int:
        sentences = [s for s in (sentence(section) for section in spec) if s]
        if not sentences:
            return 0
        if style == "statement":
            sentences = [f"{len(body) + 1}. {' '.join(sentences)}"]
        body.append(" ".join(sentences))
        return sum(len(s.split()) for s in sentences)

    # the planned paragraphs, then fillers until the target length, then the closing one
    target = int(rng.triangular(230, 600, 330))
    words = sum(paragraph(spec) for spec in paragraphs[:-1])
    misses = 0
    while words < target - 20 and misses < 10:
        added = paragraph(rng.choice(FILLERS[style]))
        words += added
        misses += not added
    paragraph(paragraphs[-1])

    title = _fill(rng.choice(TITLES[story]), slots)
    if style == "wire":
        agency = rng.choice([agency_name, agency_short])
        source = agency_name
        if rng.random() < 0.6:
            place = str(slots["V"]).upper()
            dateline = rng.choice(
                [
                    f"{place}, {MONTHS[anchor.month - 1]} {anchor.day}. /{agency_short}/. ",
                    f"{place} ({agency}) — ",
                ]
            )
            body[0] = dateline + body[0]
    elif style == "readout":
        source = (
            f"Office of the President of {s1.ref}"
            if a.role == "leader"
            else str(slots["S1_ministry"])
        )
        body.insert(0, f"{MONTHS[anchor.month - 1]} {anchor.day}, {anchor.year}")
    else:
        source = f"Ministry of Foreign Affairs of {s1.ref}"
        body.insert(0, f"{anchor.day} {MONTHS[anchor.month - 1]} {anchor.year}\n{slots['V']}")
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:60]
    return {
        "id": f"synthetic-{seed}-{index:06d}",
        "title": title,
        "date": anchor.isoformat(),
        "source": source,
        "url": f"https://news.example.org/{anchor:%Y/%m/%d}/{slug}",
        "text": "\n\n".join(body),
    }


def generate(n: int, seed: int = 1) -> list[dict[str, str]]:
    world = make_world(seed)
    return [generate_article(world, seed, i) for i in range(n)]


def write(n: int, out: Path, seed: int = 1, fmt: str = "jsonl") -> dict[str, float]:
    """Write the corpus; returns a summary (articles, mean/min/max words)."""
    world = make_world(seed)
    counts: list[int] = []
    if fmt == "jsonl":
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open("w", encoding="utf-8") as fh:
            for i in range(n):
                record = generate_article(world, seed, i)
                counts.append(len(record["text"].split()))
                fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    else:
        out.mkdir(parents=True, exist_ok=True)
        for i in range(n):
            record = generate_article(world, seed, i)
            counts.append(len(record["text"].split()))
            head = "".join(f"{k} {record[k]}\n" for k in ("date", "source", "url"))
            name = f"{i:06d}_{record['url'].rsplit('/', 1)[-1][:40]}.txt"
            (out / name).write_text(
                f"{head}\ntitle: {record['title']}\n\n{record['text']}\n", encoding="utf-8"
            )
    return {
        "articles": n,
        "words_mean": sum(counts) / n if n else 0.0,
        "words_min": min(counts, default=0),
        "words_max": max(counts, default=0),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", type=int, help="number of articles")
    parser.add_argument("out", type=Path, help="output .jsonl file (or directory for txt)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--format", choices=["jsonl", "txt"], default="jsonl")
    args = parser.parse_args(argv)
    summary = write(args.n, args.out, args.seed, args.format)
    print(
        f"wrote {summary['articles']} articles to {args.out} "
        f"(words per article: mean {summary['words_mean']:.0f}, "
        f"min {summary['words_min']}, max {summary['words_max']})",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
