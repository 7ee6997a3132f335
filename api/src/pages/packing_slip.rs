//! A package's packing slip: what goes in the box, where it goes and where
//! it came from, laid out to print on A4 and go in (or on) the package. No
//! prices: the tax invoice carries those.

use domain::fulfilment::Shipment;
use domain::orders::Order;
use domain::rules::calendar::DEFAULT_TZ;
use entity::stock_location;
use serde::Serialize;

pub(super) const TEMPLATES: [(&str, &str); 1] = [(
    "packing_slip.html",
    include_str!("../../templates/packing_slip.html"),
)];

#[derive(Serialize)]
struct ItemView {
    line_no: Option<i32>,
    sku: String,
    name: String,
    batch: String,
    serials: Vec<String>,
    quantity: i32,
    /// Units the order line asked for, when this package holds fewer.
    ordered: Option<i32>,
}

#[derive(Serialize)]
struct SlipView {
    business_name: String,
    package_number: String,
    order_number: String,
    packed_on: String,
    ship_to_name: String,
    ship_to: Vec<String>,
    instructions: Option<String>,
    authority_to_leave: bool,
    from_code: String,
    from_name: String,
    items: Vec<ItemView>,
    units: i32,
    weight: String,
    dimensions: Option<String>,
}

/// Grams as kilograms without needless zeros: 5200 → "5.2 kg".
fn kilograms(grams: i32) -> String {
    let text = format!("{:.3}", f64::from(grams) / 1000.0);
    let text = text.trim_end_matches('0').trim_end_matches('.');
    format!("{text} kg")
}

/// The sides given (length × width × height), in millimetres: "400 × 300 × 200 mm"
/// (a missing side as "–").
fn dimensions(sides: [Option<i32>; 3]) -> Option<String> {
    if sides.iter().all(Option::is_none) {
        return None;
    }
    let sides: Vec<String> = sides
        .iter()
        .map(|s| s.map_or_else(|| "–".to_owned(), |mm| mm.to_string()))
        .collect();
    Some(format!("{} mm", sides.join(" × ")))
}

fn view(
    business_name: &str,
    order: &Order,
    shipment: &Shipment,
    location: &stock_location::Model,
) -> SlipView {
    let o = &order.order;
    let s = &shipment.shipment;
    let mut items: Vec<ItemView> = shipment
        .items
        .iter()
        .map(|item| {
            let line = order.lines.iter().find(|l| l.id == item.order_line_id);
            let in_package: i32 = shipment
                .items
                .iter()
                .filter(|i| i.order_line_id == item.order_line_id)
                .map(|i| i.quantity)
                .sum();
            ItemView {
                line_no: line.map(|l| l.line_no),
                sku: line.map(|l| l.sku.clone()).unwrap_or_default(),
                name: line.map(|l| l.name.clone()).unwrap_or_default(),
                batch: item.batch_code.trim().to_owned(),
                serials: Shipment::serials(item),
                quantity: item.quantity,
                ordered: line.map(|l| l.quantity).filter(|&q| q != in_package),
            }
        })
        .collect();
    items.sort_by(|a, b| {
        (a.line_no.unwrap_or(i32::MAX), &a.batch).cmp(&(b.line_no.unwrap_or(i32::MAX), &b.batch))
    });
    let mut ship_to = vec![o.ship_line1.clone()];
    ship_to.extend(o.ship_line2.clone().filter(|l| !l.trim().is_empty()));
    ship_to.push(format!(
        "{} {} {}",
        o.ship_suburb, o.ship_state, o.ship_postcode
    ));
    if o.ship_country != "AU" {
        ship_to.push(o.ship_country.clone());
    }
    SlipView {
        business_name: business_name.to_owned(),
        package_number: s.number.clone(),
        order_number: o.number.clone(),
        packed_on: s
            .created_at
            .with_timezone(&DEFAULT_TZ)
            .format("%-d %B %Y")
            .to_string(),
        ship_to_name: o.contact_name.clone(),
        ship_to,
        instructions: o
            .delivery_instructions
            .clone()
            .filter(|i| !i.trim().is_empty()),
        authority_to_leave: o.authority_to_leave,
        from_code: location.code.clone(),
        from_name: location.name.clone(),
        units: items.iter().map(|i| i.quantity).sum(),
        items,
        weight: kilograms(s.weight_grams),
        dimensions: dimensions([s.length_mm, s.width_mm, s.height_mm]),
    }
}

/// The packing slip of `shipment` (a package of `order`, packed at `location`).
pub fn render(
    business_name: &str,
    order: &domain::orders::Order,
    shipment: &domain::fulfilment::Shipment,
    location: &entity::stock_location::Model,
) -> Result<String, minijinja::Error> {
    super::render(
        "packing_slip.html",
        view(business_name, order, shipment, location),
    )
}

#[cfg(test)]
mod tests {
    use super::super::fixtures;
    use super::*;

    #[test]
    fn weights_and_sides_read_naturally() {
        assert_eq!(kilograms(5250), "5.25 kg");
        assert_eq!(kilograms(5000), "5 kg");
        assert_eq!(kilograms(1), "0.001 kg");
        assert_eq!(dimensions([None, None, None]), None);
        assert_eq!(
            dimensions([Some(600), None, Some(350)]).as_deref(),
            Some("600 × – × 350 mm")
        );
    }

    #[test]
    fn the_slip_lists_items_with_batches_and_serials_escaped_and_no_prices() {
        let html = render(
            "Harbour Homewares",
            &fixtures::order(),
            &fixtures::shipment(),
            &fixtures::location(),
        )
        .unwrap();
        for text in [
            "Packing slip",
            "SO-000012-1",
            "SO-000012",
            // 23:30 UTC on 22 November is the 23rd in Sydney.
            "23 November 2026",
            "Tom &amp; &lt;Jerry&gt;",
            "Unit 4, 12 Harbour St",
            "Level 2",
            "Pyrmont NSW 2009",
            "Leave behind the &lt;side&gt; gate",
            "SYD-01",
            "Sydney warehouse",
            "B2026-11",
            "LMP-&lt;001&gt;",
            "CHAIR-01",
            "of 4 ordered",
            "5.25 kg",
            "600 × 400 × 350 mm",
        ] {
            assert!(html.contains(text), "{text} missing");
        }
        assert!(!html.contains("<Jerry>"));
        assert!(!html.contains("LMP-<001>"));
        assert!(!html.contains('$'), "a packing slip shows no prices");
        assert!(html.contains("@media print"));
    }
}
