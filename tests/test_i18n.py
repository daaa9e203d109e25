import re

import pytest

from crossborder.core import i18n
from crossborder.core.errors import InputError


def test_every_string_has_both_languages_and_same_placeholders():
    cat = i18n.catalogue()
    assert cat, "no strings loaded"
    for key, texts in cat.items():
        assert set(texts) == set(i18n.LANGS)
        fields = {lang: set(re.findall(r"{(\w+)}", text)) for lang, text in texts.items()}
        assert fields["en"] == fields["zh-TW"], f"{key}: placeholders differ {fields}"
        assert texts["en"].strip() and texts["zh-TW"].strip()


def test_t_fills_fields_and_rejects_bad_language():
    assert i18n.t("common.saved_to", "en", path="x.yaml") == "Saved to x.yaml"
    assert "x.yaml" in i18n.t("common.saved_to", "zh-TW", path="x.yaml")
    with pytest.raises(InputError, match="lang: expected one of zh-TW, en, found 'fr'"):
        i18n.t("common.saved_to", "fr", path="x")
    with pytest.raises(KeyError, match="no string"):
        i18n.t("common.no_such_key", "en")


@pytest.mark.parametrize("code, zh, en", [("DE", "德國", "Germany"), ("JP", "日本", "Japan"), ("TW", "臺灣", "Taiwan"),
                                          ("US", "美國", "United States")])
def test_country_names(code, zh, en):
    assert i18n.country_name(code, "zh-TW") == zh
    assert i18n.country_name(code, "en") == en


def test_catalogue_rejects_yaml_boolean_keys(tmp_path, monkeypatch):
    (tmp_path / "bad.yaml").write_text("yes: {en: a, zh-TW: b}\n")
    monkeypatch.setattr(i18n, "STRINGS_DIR", tmp_path)
    i18n.catalogue.cache_clear()
    try:
        with pytest.raises(InputError, match="expected a text key"):
            i18n.catalogue()
    finally:
        i18n.catalogue.cache_clear()


def test_catalogue_rejects_missing_language(tmp_path, monkeypatch):
    (tmp_path / "bad.yaml").write_text("title: {en: a}\n")
    monkeypatch.setattr(i18n, "STRINGS_DIR", tmp_path)
    i18n.catalogue.cache_clear()
    try:
        with pytest.raises(InputError, match="bad.yaml: key 'title': expected exactly the languages"):
            i18n.catalogue()
    finally:
        i18n.catalogue.cache_clear()
