//! A unit struct, serde attributes passed on, and an enum with negative and
//! explicit numbers.

use prost::Message as _;

#[derive(Debug, Clone, PartialEq, kit::Message)]
struct Ping;

#[derive(Debug, Clone, PartialEq, kit::Message)]
#[serde(rename_all = "camelCase")]
struct Person {
    first_name: String,
    #[serde(rename = "years")]
    age: u32,
    #[kit(tag = 10, sint)]
    balance: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, kit::Message)]
enum Temperature {
    Zero = 0,
    Cold = -1,
    Hot = 1,
}

fn main() {
    assert_eq!(Ping.encode_to_vec(), Vec::<u8>::new());
    let person = Person { first_name: "Ada".into(), age: 36, balance: -3 };
    let json = serde_json::to_value(&person).unwrap();
    assert_eq!(json, serde_json::json!({"firstName": "Ada", "years": 36, "balance": -3}));
    assert_eq!(Person::decode(person.encode_to_vec().as_slice()).unwrap(), person);
    assert_eq!(Temperature::default(), Temperature::Zero);
}
