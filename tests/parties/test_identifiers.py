import pytest

from kordon.index import identifiers as ids


def _with_check(first11: str) -> str:
    nums = [int(c) for c in first11]
    check = sum(n * w for n, w in zip(nums, range(1, 12))) % 11
    if check == 10:
        check = sum(n * w for n, w in zip(nums, [3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2])) % 11
    return first11 + str(check)


def test_kz_bin_checksum():
    good = _with_check("04084000012")
    assert ids.kz_bin_iin_valid(good)
    bad = good[:-1] + str((int(good[-1]) + 1) % 10)
    assert not ids.kz_bin_iin_valid(bad)
    assert not ids.kz_bin_iin_valid("12345")


@pytest.mark.parametrize("scheme,value,valid", [
    ("inn", "7718989383", True), ("inn", "7718989384", False),
    ("ogrn", "1147746803049", True), ("ogrn", "1147746803048", False),
    ("imo", "IMO 9074729", True), ("imo", "9074728", False),
    ("lei", "529900T8BM49AURSDO55", True),
])
def test_stdnum_backed_schemes(scheme, value, valid):
    assert ids.normalise(scheme, value).valid is valid


def test_identifiers_read_from_ofac_remarks():
    found = {(i.scheme, i.value) for i in ids.from_text("Tax ID No. 7718989383 (Russia); Registration Number 1147746803049 (Russia).")}
    assert ("ru_inn", "7718989383") in found and ("ru_ogrn", "1147746803049") in found
