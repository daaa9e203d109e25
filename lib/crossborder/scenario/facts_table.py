"""A market's key assumptions as a two-column table, from its scenario and the fact store on the report date: the
report's cover and the overview chapter show it. Strings in the shared ``facts`` namespace (``core/strings/facts.yaml``)."""

from __future__ import annotations

from datetime import date

import pandas as pd

from crossborder.core import facts
from crossborder.core.fmt import percent_setting
from crossborder.core.i18n import country_name, t
from crossborder.scenario import Scenario


def market_facts(scn: Scenario, lang: str, as_of: date) -> pd.DataFrame:
    """The scenario's key assumptions: market, currencies, languages, customs and VAT, agreements, product."""
    m, e = scn.market, scn.exporter
    yes, no = t("facts.answer_yes", lang), t("facts.answer_no", lang)
    vat = facts.import_vat(m.code, as_of)
    as_of_label = t("common.as_of", lang)
    rows = [
        ("market", f"{country_name(m.code, lang)} ({m.code}) · {m.region(lang)}"),
        ("currency", f"{m.currency} ({t('facts.home', lang)}: {e.home_currency})"),
        ("languages", ", ".join(m.languages)),
        ("customs_basis", m.customs_value_basis),
        ("import_vat", f"{vat.name}: {percent_setting(vat.rate, lang)} · {vat.base(lang)}"),
        ("vat_recoverable", yes if vat.b2b_recoverable else no),
        ("agreements", ", ".join(m.trade_agreements)),
        ("fta_taiwan", yes if m.fta_with_taiwan else no),
        ("product", f"{e.product(lang)} · HS {e.hs_code}"),
        ("plants", ", ".join(country_name(p, lang) for p in e.origin_plants)),
        ("sources", f"{vat.source} ({as_of_label} {vat.as_of}); {m.customs_value_source}; "
                    f"{m.agreements_source} ({as_of_label} {m.agreements_as_of})"),
    ]
    return pd.DataFrame({t("facts.col_item", lang): [t(f"facts.{k}", lang) for k, _ in rows],
                         t("facts.col_value", lang): [v for _, v in rows]})
