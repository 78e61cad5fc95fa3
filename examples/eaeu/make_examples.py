"""Write the EAEU example set (dts.jsonl, esfs.jsonl, snts.jsonl) — run from the repository root:

    python examples/eaeu/make_examples.py

The firms are invented; their BINs are built like real ones (registration year and month, entity type,
serial, check digit) so that kordon's checks on them are the real checks. Codes are real TN VED EAEU
codes; the cases follow docs/eaeu.md (one per reason code, plus clean ones). expected.csv holds the
verdict each SNT must get; tests/eaeu asserts it through the installed `kordon` CLI.
"""

from __future__ import annotations

import json
from pathlib import Path

from kordon.index.identifiers import kz_check_digit

HERE = Path(__file__).parent


def bin_(yymm: str, serial: int, kind: str = "40") -> str:
    """A BIN with a valid check digit: YYMM, entity type and flag, serial, check digit."""
    body = f"{yymm}{kind}{serial:05d}"
    check = kz_check_digit(body)
    return bin_(yymm, serial + 1, kind) if check is None else body + str(check)


P = {
    "dairy": (bin_("9807", 1101), "ТОО «Сүт Өнімдері Павлодар»"),
    "ferro": (bin_("0305", 2202), "ТОО «Ферросплав Актобе»"),
    "ferro_kz": (bin_("0305", 2202), "ТОО «Ферросплав Актобе»"),
    "pasta_imp": (bin_("1103", 3303), "ТОО «Евразия Фуд Импорт»"),
    "pasta_whs": (bin_("1409", 4404), "ТОО «Оптовик Костанай»"),
    "chip_imp": (bin_("1506", 5505), "ТОО «Микроэлектроника Алматы»"),
    "chip_new": (bin_("2302", 6606), "ТОО «Электрон Транзит»"),
    "router_imp": (bin_("1704", 7707), "ТОО «Сетевые Решения»"),
    "router_buyer": (bin_("1611", 8808), "ТОО «Телеком Сервис Астана»"),
    "bear_imp": (bin_("1202", 9909), "ТОО «Подшипник Импорт»"),
    "bear_mid": (bin_("2208", 1212), "ТОО «Техснаб Караганда»"),
    "bear_seller": (bin_("2211", 1313), "ТОО «Казмаш Комплект»"),
    "ic2_imp": (bin_("1310", 1414), "ТОО «Компонент Плюс»"),
    "ic2_mid": (bin_("2212", 1515), "ТОО «Дельта Трейд»"),
    "ic2_seller": (bin_("1905", 1616), "ТОО «Приборы и Системы»"),
    "drone_kz": (bin_("2301", 1717), "ТОО «Агро-Транзит Жамбыл»"),
    "mismatch": (bin_("1808", 1818), "ТОО «Степь Логистик»"),
}


def party(key: str, **extra: object) -> dict:
    tin, name = P[key]
    return {"tin": tin, "name": name, **extra}


RU = {"tin": None, "name": "ООО «Уралпромснаб»", "countryCode": "RU"}


def dt_(number: str, date: str, receiver: str, consignor: tuple[str, str], items: list[dict]) -> dict:
    return {
        "kind": "dt",
        "number": number,
        "date": date,
        "procedure": "IM40",
        "declarant": party(receiver),
        "consignor": {"name": consignor[0], "country": consignor[1]},
        "consignee": party(receiver, country="KZ"),
        "customsOffice": "50508",
        "items": items,
    }


def item(n: int, code: str, desc: str, origin: str, qty: float, unit: str, value: float, currency: str = "USD", weight: float | None = None) -> dict:
    out = {
        "number": n,
        "codeTNVED": code,
        "description": desc,
        "originCountry": origin,
        "quantity": qty,
        "unit": unit,
        "customsValue": value,
        "currency": currency,
    }
    if weight is not None:
        out["netWeight"] = weight
    return out


def esf(reg: str, num: str, date: str, seller: str, buyer: str, products: list[dict]) -> dict:
    return {
        "kind": "esf",
        "registrationNumber": reg,
        "num": num,
        "date": date,
        "turnoverDate": date,
        "sellers": [party(seller)],
        "customers": [party(buyer, countryCode="KZ")],
        "currencyCode": "KZT",
        "products": products,
    }


def prow(n: int, code: str, desc: str, qty: float, unit: str, price: float, sign: str, dt_no: str | None = None, dt_item: str | None = None) -> dict:
    out = {
        "rowNumber": n,
        "truOriginCode": sign,
        "description": desc,
        "unitCode": code,
        "quantity": qty,
        "unit": unit,
        "unitPrice": price,
        "priceWithoutTax": round(price * qty, 2),
    }
    if dt_no:
        out.update(productDeclaration=dt_no, productNumberInDeclaration=dt_item)
    return out


def snt(
    reg: str,
    date: str,
    seller: dict,
    customer: dict,
    dest: str,
    g10: list[dict],
    products: list[dict] | None = None,
    departure: str = "KZ",
    transport: str = "auto",
) -> dict:
    return {
        "kind": "snt",
        "registrationNumber": reg,
        "number": reg.rsplit("-", 1)[-1],
        "date": date,
        "shippingDate": date,
        "seller": seller,
        "customer": customer,
        "shippingInfo": {"departureCountry": departure, "destinationCountry": dest, "transportType": transport},
        "exportControlProducts": g10,
        "products": products or [],
    }


def srow(n: int, code: str, name: str, qty: float, unit: str, price: float, sign: str, doc: str | None = None, doc_item: str | None = None) -> dict:
    out = {"rowNumber": n, "truOriginCode": sign, "productName": name, "codeTNVED": code, "quantity": qty, "unit": unit, "price": price}
    if doc:
        out.update(manufactureOrImportDocNumber=doc, productNumberInImportDoc=doc_item)
    return out


def build() -> tuple[list[dict], list[dict], list[dict], list[tuple[str, str, str, str]]]:
    dts, esfs, snts, expected = [], [], [], []

    # 1. Milk powder made in Kazakhstan, to Russia: no import, nothing listed -> verified.
    snts.append(
        snt(
            "KZ-SNT-2024-0000101",
            "2024-02-14",
            party("dairy"),
            {"tin": None, "name": "ООО «Молочный Союз»", "countryCode": "RU"},
            "RU",
            [],
            [srow(1, "0402211800", "Молоко сухое цельное 26% жирности, мешки 25 кг", 20, "t", 1150000, "3")],
        )
    )
    expected.append(("KZ-SNT-2024-0000101", "verified", "", "milk powder made in Kazakhstan"))

    # 2. Kazakh ferrochrome, own production with the production act in G10 -> verified.
    snts.append(
        snt(
            "KZ-SNT-2024-0000102",
            "2024-03-05",
            party("ferro"),
            {"tin": None, "name": "АО «Уральская Сталь Трейд»", "countryCode": "RU"},
            "RU",
            [srow(1, "7202419000", "Феррохром высокоуглеродистый ФХ800, фракция 10-80 мм", 480, "t", 520000, "3", "АКТ-ПР-2024/0311", "1")],
            [srow(1, "7202411000", "Феррохром ФХ650", 120, "t", 505000, "3")],
            transport="rail",
        )
    )
    expected.append(("KZ-SNT-2024-0000102", "verified", "", "Kazakh ferroalloys, own production"))

    # 3. Turkish pasta: imported by DT, sold on by ESF, shipped to Russia by the wholesaler naming the DT -> verified.
    dts.append(
        dt_(
            "50508/150124/0000311",
            "2024-01-15",
            "pasta_imp",
            ("Nuh'un Ankara Makarnası San. ve Tic. A.Ş.", "TR"),
            [item(1, "1902191000", "Макаронные изделия из твердых сортов пшеницы, без яиц", "TR", 40000, "kg", 36000, weight=40000)],
        )
    )
    esfs.append(
        esf(
            "ESF-2024-0131-000017",
            "17",
            "2024-01-31",
            "pasta_imp",
            "pasta_whs",
            [prow(1, "1902191000", "Макароны, упаковка 400 г", 25000, "kg", 620, "2", "50508/150124/0000311", "1")],
        )
    )
    snts.append(
        snt(
            "KZ-SNT-2024-0000103",
            "2024-02-20",
            party("pasta_whs"),
            {"tin": None, "name": "ООО «Продсклад Курган»", "countryCode": "RU"},
            "RU",
            [srow(1, "1902191000", "Макароны, упаковка 400 г", 18000, "kg", 1.6, "2", "50508/150124/0000311", "1")],
        )
    )
    expected.append(("KZ-SNT-2024-0000103", "verified", "", "imported pasta, DT named, balance covers it"))

    # 4a. The DT named is not on record -> refused (documents.mismatch).
    snts.append(
        snt(
            "KZ-SNT-2024-0000104",
            "2024-04-02",
            party("mismatch"),
            RU,
            "RU",
            [srow(1, "8471300000", 'Ноутбук 14"', 300, "pcs", 410, "1", "50508/010324/0099999", "1")],
        )
    )
    expected.append(("KZ-SNT-2024-0000104", "refused", "documents.mismatch", "DT not on record"))

    # 4b. The DT is on record but its item carries other goods (code) and fewer of them -> refused (documents.mismatch).
    dts.append(
        dt_(
            "50508/120224/0004410",
            "2024-02-12",
            "mismatch",
            ("Shenzhen Everwin Trading Co., Ltd.", "CN"),
            [
                item(1, "8471300000", "Ноутбуки портативные", "CN", 200, "pcs", 70000),
                item(2, "8473302008", "Части вычислительных машин", "CN", 1000, "pcs", 9000),
            ],
        )
    )
    snts.append(
        snt(
            "KZ-SNT-2024-0000105",
            "2024-04-03",
            party("mismatch"),
            RU,
            "RU",
            [srow(1, "8471410000", "Вычислительная машина", 250, "pcs", 520, "1", "50508/120224/0004410", "1")],
        )
    )
    expected.append(("KZ-SNT-2024-0000105", "refused", "documents.mismatch", "DT item carries another code and fewer pieces"))

    # 5. Balance: imported 1000 routers, sold 800 inside Kazakhstan, ships 500 to Russia -> refused (balance.insufficient).
    dts.append(
        dt_(
            "50508/050623/0007001",
            "2023-06-05",
            "router_imp",
            ("TP-Link Technologies Co., Ltd.", "CN"),
            [item(1, "8517620009", "Маршрутизаторы беспроводные", "CN", 1000, "pcs", 23000)],
        )
    )
    esfs.append(
        esf(
            "ESF-2023-0620-000451",
            "451",
            "2023-06-20",
            "router_imp",
            "router_buyer",
            [prow(1, "8517620009", "Маршрутизатор Wi-Fi", 800, "pcs", 14000, "2", "50508/050623/0007001", "1")],
        )
    )
    snts.append(
        snt(
            "KZ-SNT-2023-0000106",
            "2023-07-10",
            party("router_imp"),
            RU,
            "RU",
            [srow(1, "8517620009", "Маршрутизатор Wi-Fi", 500, "pcs", 35, "2", "50508/050623/0007001", "1")],
        )
    )
    expected.append(("KZ-SNT-2023-0000106", "refused", "balance.insufficient", "sold 800 of 1000 inside KZ, ships 500"))

    # 6. German integrated circuits, resold within days to a new firm that ships them to Russia naming the DT
    #    -> refused (origin.prohibiting_state), with the one-day firm flagged.
    dts.append(
        dt_(
            "50508/010323/0012345",
            "2023-03-01",
            "chip_imp",
            ("Avnet EMG GmbH", "DE"),
            [item(1, "8542319090", "Микроконтроллеры 32-разрядные", "DE", 1000, "pcs", 12000)],
        )
    )
    esfs.append(
        esf(
            "ESF-2023-0402-000017",
            "17",
            "2023-04-02",
            "chip_imp",
            "chip_new",
            [prow(1, "8542319090", "Микроконтроллер", 800, "pcs", 6500, "1", "50508/010323/0012345", "1")],
        )
    )
    snts.append(
        snt(
            "KZ-SNT-2023-0000107",
            "2023-04-05",
            party("chip_new"),
            RU,
            "RU",
            [srow(1, "8542319090", "Микроконтроллер", 400, "pcs", 30, "1", "50508/010323/0012345", "1")],
        )
    )
    expected.append(("KZ-SNT-2023-0000107", "refused", "origin.prohibiting_state;chain.one_day_firm;goods.chpl", "German ICs to Russia"))

    # 7. Bearings: Japanese import, sold on as imported, then sold again as "made in Kazakhstan" without the DT;
    #    the last seller claims own production -> review (chain.origin_traced, origin sign changed, origin inferred).
    dts.append(
        dt_(
            "50508/100822/0031020",
            "2022-08-10",
            "bear_imp",
            ("NSK Europe Ltd.", "JP"),
            [item(1, "8482109008", "Подшипники шариковые радиальные", "JP", 5000, "pcs", 41000)],
        )
    )
    esfs.append(
        esf(
            "ESF-2022-1015-000233",
            "233",
            "2022-10-15",
            "bear_imp",
            "bear_mid",
            [prow(1, "8482109008", "Подшипник 6205-2RS", 3000, "pcs", 2100, "1", "50508/100822/0031020", "1")],
        )
    )
    esfs.append(
        esf("ESF-2022-1201-000019", "19", "2022-12-01", "bear_mid", "bear_seller", [prow(1, "8482109008", "Подшипник шариковый", 2500, "pcs", 2500, "3")])
    )
    snts.append(
        snt(
            "KZ-SNT-2023-0000108",
            "2023-01-20",
            party("bear_seller"),
            RU,
            "RU",
            [srow(1, "8482109008", "Подшипник шариковый собственного производства", 2000, "pcs", 6, "3", "АКТ-17/2023", "1")],
        )
    )
    expected.append(
        (
            "KZ-SNT-2023-0000108",
            "review",
            "chain.origin_traced;chain.origin_sign_changed;origin.prohibiting_state",
            "own production claimed, traces to a Japanese import",
        )
    )

    # 8. Oversold upstream: a middleman invoiced 150 of a lot it got 100 of; the buyer ships 100 naming the DT -> review (chain.oversold).
    dts.append(
        dt_(
            "50508/200923/0020202",
            "2023-09-20",
            "ic2_imp",
            ("Arrow Electronics Asia Ltd.", "CN"),
            [item(1, "8542399090", "Интегральные схемы прочие", "CN", 100, "pcs", 800)],
        )
    )
    esfs.append(
        esf(
            "ESF-2023-1002-000088",
            "88",
            "2023-10-02",
            "ic2_imp",
            "ic2_mid",
            [prow(1, "8542399090", "Микросхема", 100, "pcs", 4000, "2", "50508/200923/0020202", "1")],
        )
    )
    esfs.append(
        esf(
            "ESF-2023-1020-000031",
            "31",
            "2023-10-20",
            "ic2_mid",
            "ic2_seller",
            [prow(1, "8542399090", "Микросхема", 150, "pcs", 4500, "2", "50508/200923/0020202", "1")],
        )
    )
    snts.append(
        snt(
            "KZ-SNT-2023-0000109",
            "2023-11-15",
            party("ic2_seller"),
            {"tin": None, "name": "ЗАО «Минскприбор»", "countryCode": "BY"},
            "BY",
            [srow(1, "8542399090", "Микросхема", 100, "pcs", 11, "2", "50508/200923/0020202", "1")],
        )
    )
    expected.append(("KZ-SNT-2023-0000109", "review", "chain.oversold", "upstream middleman sold more than it got"))

    # 9. The drone case (DOMAIN.md): 14 DJI Agras T30 agricultural drones from the Kyrgyz "Impulse-Invest", brought into
    #    Kazakhstan by a firm registered weeks earlier and sent on to the Russian "Nova" two days later. No customs
    #    declaration exists on either border; only the SNTs do. -> review: under kz_customs a drone on kordon's
    #    (illustrative) national-list entry is inspected before release, and the seller is a one-day firm.
    #    Prices in tenge: about 6 million tenge a drone as reported; the date of the stop is not reported, and
    #    2023-04-30 stands in for it as in examples/declarations.jsonl (KZ-2023-ZHA-0014).
    snts.append(
        snt(
            "KZ-SNT-2023-0000110",
            "2023-04-28",
            {"tin": None, "name": "ОсОО «Импульс-Инвест»", "countryCode": "KG"},
            party("drone_kz", countryCode="KZ"),
            "KZ",
            [srow(1, "8806230001", "Беспилотный летательный аппарат сельскохозяйственный DJI Agras T30", 14, "pcs", 6_000_000, "1")],
            departure="KG",
        )
    )
    snts.append(
        snt(
            "KZ-SNT-2023-0000111",
            "2023-04-30",
            party("drone_kz"),
            {"tin": None, "name": "ООО «Нова»", "countryCode": "RU"},
            "RU",
            [
                srow(
                    1, "8806230001", "Беспилотный летательный аппарат сельскохозяйственный DJI Agras T30", 14, "pcs", 6_160_000, "1", "KZ-SNT-2023-0000110", "1"
                )
            ],
        )
    )
    expected.append(("KZ-SNT-2023-0000111", "review", "goods.national;chain.one_day_firm", "the drone case: Kyrgyzstan -> Kazakhstan -> Russia"))
    return dts, esfs, snts, expected


def main() -> None:
    dts, esfs, snts, expected = build()
    for name, docs in (("dts.jsonl", dts), ("esfs.jsonl", esfs), ("snts.jsonl", snts)):
        (HERE / name).write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs), encoding="utf-8")
    lines = ["registrationNumber,verdict,reasons,case"] + [f'{n},{v},{r},"{c}"' for n, v, r, c in expected]
    (HERE / "expected.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
