//! `#[derive(kit::Message)]` is wire-compatible with prost's own derive for
//! every supported type, describes the right schema, and is serde too.

use std::collections::{BTreeMap, HashMap};

use bytes::Bytes;
use prost::Message as _;

/// A nested message.
#[derive(Clone, Debug, PartialEq, kit::Message)]
struct Child {
    /// A name.
    name: String,
}

/// An enum; `Red` is 0.
#[derive(Clone, Copy, Debug, PartialEq, kit::Message)]
enum Color {
    /// The default.
    Red,
    /// Explicitly numbered.
    Green = 5,
    /// Counts on from the one before.
    Blue,
}

/// One field of every supported kind.
#[derive(Clone, Debug, PartialEq, kit::Message)]
struct Everything {
    flag: bool,
    small: i32,
    big: i64,
    count: u32,
    huge: u64,
    ratio: f32,
    precise: f64,
    name: String,
    blob: Vec<u8>,
    shared: Bytes,
    numbers: Vec<i64>,
    names: Vec<String>,
    maybe: Option<i32>,
    maybe_name: Option<String>,
    counts: HashMap<String, i64>,
    sorted: BTreeMap<i32, String>,
    child: Child,
    children: Vec<Child>,
    maybe_child: Option<Child>,
    color: Color,
    colors: Vec<Color>,
    #[kit(sint)]
    zigzag: i64,
    #[kit(fixed)]
    fixed: u32,
    #[kit(sint)]
    zigzags: Vec<i32>,
    #[kit(fixed)]
    maybe_fixed: Option<i64>,
    #[kit(tag = 100)]
    far: String,
    after_far: i32,
}

/// The same message, written for prost's derive.
#[derive(Clone, PartialEq, prost::Message)]
struct EverythingProst {
    #[prost(bool, tag = "1")]
    flag: bool,
    #[prost(int32, tag = "2")]
    small: i32,
    #[prost(int64, tag = "3")]
    big: i64,
    #[prost(uint32, tag = "4")]
    count: u32,
    #[prost(uint64, tag = "5")]
    huge: u64,
    #[prost(float, tag = "6")]
    ratio: f32,
    #[prost(double, tag = "7")]
    precise: f64,
    #[prost(string, tag = "8")]
    name: String,
    #[prost(bytes = "vec", tag = "9")]
    blob: Vec<u8>,
    #[prost(bytes = "bytes", tag = "10")]
    shared: Bytes,
    #[prost(int64, repeated, tag = "11")]
    numbers: Vec<i64>,
    #[prost(string, repeated, tag = "12")]
    names: Vec<String>,
    #[prost(int32, optional, tag = "13")]
    maybe: Option<i32>,
    #[prost(string, optional, tag = "14")]
    maybe_name: Option<String>,
    #[prost(map = "string, int64", tag = "15")]
    counts: HashMap<String, i64>,
    #[prost(btree_map = "int32, string", tag = "16")]
    sorted: BTreeMap<i32, String>,
    #[prost(message, optional, tag = "17")]
    child: Option<ChildProst>,
    #[prost(message, repeated, tag = "18")]
    children: Vec<ChildProst>,
    #[prost(message, optional, tag = "19")]
    maybe_child: Option<ChildProst>,
    #[prost(enumeration = "ColorProst", tag = "20")]
    color: i32,
    #[prost(enumeration = "ColorProst", repeated, tag = "21")]
    colors: Vec<i32>,
    #[prost(sint64, tag = "22")]
    zigzag: i64,
    #[prost(fixed32, tag = "23")]
    fixed: u32,
    #[prost(sint32, repeated, tag = "24")]
    zigzags: Vec<i32>,
    #[prost(sfixed64, optional, tag = "25")]
    maybe_fixed: Option<i64>,
    #[prost(string, tag = "100")]
    far: String,
    #[prost(int32, tag = "101")]
    after_far: i32,
}

#[derive(Clone, PartialEq, prost::Message)]
struct ChildProst {
    #[prost(string, tag = "1")]
    name: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, prost::Enumeration)]
#[repr(i32)]
enum ColorProst {
    Red = 0,
    Green = 5,
    Blue = 6,
}

fn everything() -> Everything {
    Everything {
        flag: true,
        small: -3,
        big: -1 << 40,
        count: 7,
        huge: u64::MAX,
        ratio: 1.5,
        precise: -2.25,
        name: "naïve".into(),
        blob: vec![0, 1, 2, 255],
        shared: Bytes::from_static(b"shared"),
        numbers: vec![1, -1, 1 << 50],
        names: vec!["a".into(), String::new(), "c".into()],
        maybe: Some(0),
        maybe_name: None,
        counts: HashMap::from([("one".to_owned(), 1)]),
        sorted: BTreeMap::from([(2, "two".to_owned()), (-1, "minus".to_owned())]),
        child: Child { name: "kid".into() },
        children: vec![
            Child { name: "a".into() },
            Child {
                name: String::new(),
            },
        ],
        maybe_child: Some(Child {
            name: "maybe".into(),
        }),
        color: Color::Green,
        colors: vec![Color::Blue, Color::Red, Color::Green],
        zigzag: -5,
        fixed: 0xdead_beef,
        zigzags: vec![-1, 0, 1],
        maybe_fixed: Some(-9),
        far: "far".into(),
        after_far: 101,
    }
}

fn everything_prost() -> EverythingProst {
    let child = |name: &str| ChildProst { name: name.into() };
    EverythingProst {
        flag: true,
        small: -3,
        big: -1 << 40,
        count: 7,
        huge: u64::MAX,
        ratio: 1.5,
        precise: -2.25,
        name: "naïve".into(),
        blob: vec![0, 1, 2, 255],
        shared: Bytes::from_static(b"shared"),
        numbers: vec![1, -1, 1 << 50],
        names: vec!["a".into(), String::new(), "c".into()],
        maybe: Some(0),
        maybe_name: None,
        counts: HashMap::from([("one".to_owned(), 1)]),
        sorted: BTreeMap::from([(2, "two".to_owned()), (-1, "minus".to_owned())]),
        child: Some(child("kid")),
        children: vec![child("a"), child("")],
        maybe_child: Some(child("maybe")),
        color: ColorProst::Green as i32,
        colors: vec![
            ColorProst::Blue as i32,
            ColorProst::Red as i32,
            ColorProst::Green as i32,
        ],
        zigzag: -5,
        fixed: 0xdead_beef,
        zigzags: vec![-1, 0, 1],
        maybe_fixed: Some(-9),
        far: "far".into(),
        after_far: 101,
    }
}

#[test]
fn encoding_matches_prosts_derive_byte_for_byte() {
    assert_eq!(
        everything().encode_to_vec(),
        everything_prost().encode_to_vec()
    );
    assert_eq!(everything().encoded_len(), everything_prost().encoded_len());
}

#[test]
fn map_entries_leave_default_keys_and_values_off_as_prost_does() {
    let ours = Everything {
        counts: HashMap::from([(String::new(), 0)]),
        ..Everything::default()
    };
    let theirs = EverythingProst {
        counts: HashMap::from([(String::new(), 0)]),
        child: Some(ChildProst::default()),
        ..EverythingProst::default()
    };
    assert_eq!(ours.encode_to_vec(), theirs.encode_to_vec());
}

#[test]
fn each_side_decodes_the_other() {
    let ours = Everything::decode(everything_prost().encode_to_vec().as_slice()).unwrap();
    assert_eq!(ours, everything());
    let theirs = EverythingProst::decode(everything().encode_to_vec().as_slice()).unwrap();
    assert_eq!(theirs, everything_prost());
}

#[test]
fn defaults_stay_off_the_wire_and_unknown_fields_are_skipped() {
    // Only the non-optional message field stays: a message field is always
    // present, like a `Some` in prost.
    let only_child = EverythingProst {
        child: Some(ChildProst::default()),
        ..Default::default()
    };
    assert_eq!(
        Everything::default().encode_to_vec(),
        only_child.encode_to_vec()
    );
    // Tag 99 is not a field of `Child`: decoding skips it.
    let mut bytes = ChildProst { name: "x".into() }.encode_to_vec();
    prost::encoding::int64::encode(99, &5, &mut bytes);
    assert_eq!(
        Child::decode(bytes.as_slice()).unwrap(),
        Child { name: "x".into() }
    );
    // An unknown enum number decodes as the default value.
    let unknown = EverythingProst {
        color: 42,
        ..Default::default()
    };
    assert_eq!(
        Everything::decode(unknown.encode_to_vec().as_slice())
            .unwrap()
            .color,
        Color::Red
    );
}

#[test]
fn decode_errors_name_the_field() {
    // Field 8 (`name`) as a varint instead of a string.
    let mut bytes = Vec::new();
    prost::encoding::int64::encode(8, &1, &mut bytes);
    let error = Everything::decode(bytes.as_slice())
        .unwrap_err()
        .to_string();
    assert!(error.contains("Everything.name"), "{error}");
}

#[test]
fn the_schema_describes_every_field() {
    let mut registry = kit::proto::Registry::new("demo", "a test");
    registry.reference::<Everything>();
    let proto = registry.finish().unwrap().to_proto();
    for line in [
        "  bool flag = 1;",
        "  int32 small = 2;",
        "  uint64 huge = 5;",
        "  float ratio = 6;",
        "  bytes blob = 9;",
        "  bytes shared = 10;",
        "  repeated int64 numbers = 11;",
        "  optional int32 maybe = 13;",
        "  map<string, int64> counts = 15;",
        "  map<int32, string> sorted = 16;",
        "  Child child = 17;",
        "  repeated Child children = 18;",
        "  optional Child maybe_child = 19;",
        "  Color color = 20;",
        "  repeated Color colors = 21;",
        "  sint64 zigzag = 22;",
        "  fixed32 fixed = 23;",
        "  repeated sint32 zigzags = 24;",
        "  optional sfixed64 maybe_fixed = 25;",
        "  string far = 100;",
        "  int32 after_far = 101;",
        "message Child {\n  // A name.\n  string name = 1;\n}",
        "// An enum; `Red` is 0.\nenum Color {\n  // The default.\n  COLOR_RED = 0;\n  // Explicitly numbered.\n  COLOR_GREEN = 5;\n  // Counts on from the one before.\n  COLOR_BLUE = 6;\n}",
    ] {
        assert!(proto.contains(line), "missing {line:?} in\n{proto}");
    }
}

#[test]
fn messages_are_serde_too() {
    let child = Child { name: "kid".into() };
    assert_eq!(
        serde_json::to_value(&child).unwrap(),
        serde_json::json!({"name": "kid"})
    );
    assert_eq!(
        serde_json::to_value(Color::Green).unwrap(),
        serde_json::json!("Green")
    );
    let back: Everything =
        serde_json::from_value(serde_json::to_value(everything()).unwrap()).unwrap();
    assert_eq!(back, everything());
}

/// Rust's integer types without a protobuf scalar of their own, and `char`.
#[derive(Clone, Debug, PartialEq, kit::Message)]
struct Narrow {
    count: usize,
    offset: isize,
    age: u8,
    port: Option<u16>,
    deltas: Vec<i8>,
    depth: i16,
    grade: char,
    by_port: BTreeMap<u16, usize>,
}

/// `Narrow` as prost sees it: the next scalar up.
#[derive(Clone, PartialEq, prost::Message)]
struct NarrowProst {
    #[prost(uint64, tag = "1")]
    count: u64,
    #[prost(int64, tag = "2")]
    offset: i64,
    #[prost(uint32, tag = "3")]
    age: u32,
    #[prost(uint32, optional, tag = "4")]
    port: Option<u32>,
    #[prost(int32, repeated, tag = "5")]
    deltas: Vec<i32>,
    #[prost(int32, tag = "6")]
    depth: i32,
    #[prost(string, tag = "7")]
    grade: String,
    #[prost(btree_map = "uint32, uint64", tag = "8")]
    by_port: BTreeMap<u32, u64>,
}

#[test]
fn narrow_and_wide_integers_travel_as_the_next_scalar_up() {
    let narrow = Narrow {
        count: 1 << 40,
        offset: -7,
        age: 255,
        port: Some(0),
        deltas: vec![-128, 0, 127],
        depth: -300,
        grade: 'é',
        by_port: BTreeMap::from([(8080, 3)]),
    };
    let prost = NarrowProst {
        count: 1 << 40,
        offset: -7,
        age: 255,
        port: Some(0),
        deltas: vec![-128, 0, 127],
        depth: -300,
        grade: "é".to_owned(),
        by_port: BTreeMap::from([(8080, 3)]),
    };
    assert_eq!(narrow.encode_to_vec(), prost.encode_to_vec());
    assert_eq!(
        Narrow::decode(prost.encode_to_vec().as_slice()).unwrap(),
        narrow
    );
    assert_eq!(Narrow::decode(&[][..]).unwrap().grade, '\0');
    let json = serde_json::to_value(&narrow).unwrap();
    assert_eq!(json["grade"], "é");
    assert_eq!(json["count"], 1_u64 << 40);
}

#[test]
fn a_number_too_big_for_its_type_fails_to_decode_and_is_not_truncated() {
    let too_big = |prost: NarrowProst| {
        Narrow::decode(prost.encode_to_vec().as_slice())
            .unwrap_err()
            .to_string()
    };
    let error = too_big(NarrowProst {
        age: 256,
        ..NarrowProst::default()
    });
    assert!(
        error.contains("256 is out of range for u8") && error.contains("Narrow.age"),
        "{error}"
    );
    let error = too_big(NarrowProst {
        port: Some(70_000),
        ..NarrowProst::default()
    });
    assert!(error.contains("70000 is out of range for u16"), "{error}");
    let error = too_big(NarrowProst {
        deltas: vec![1, 200],
        ..NarrowProst::default()
    });
    assert!(error.contains("200 is out of range for i8"), "{error}");
    let error = too_big(NarrowProst {
        depth: -40_000,
        ..NarrowProst::default()
    });
    assert!(error.contains("-40000 is out of range for i16"), "{error}");
    let error = too_big(NarrowProst {
        grade: "ab".to_owned(),
        ..NarrowProst::default()
    });
    assert!(error.contains("\"ab\" is out of range for char"), "{error}");
    let error = too_big(NarrowProst {
        by_port: BTreeMap::from([(70_000, 1)]),
        ..NarrowProst::default()
    });
    assert!(error.contains("out of range for u16"), "{error}");
}

/// `Narrow.age` (a `u8`) as a client with a 64-bit field sends it.
#[derive(Clone, PartialEq, prost::Message)]
struct WideAge {
    #[prost(uint64, tag = "3")]
    age: u64,
    #[prost(int64, repeated, tag = "5")]
    deltas: Vec<i64>,
}

#[test]
fn a_varint_wider_than_32_bits_is_out_of_range_not_cut_short() {
    // 2^32 + 5 would be 5 once cut to 32 bits.
    let error = Narrow::decode(
        WideAge {
            age: (1 << 32) + 5,
            deltas: vec![],
        }
        .encode_to_vec()
        .as_slice(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        error.contains("4294967301 is out of range for u8"),
        "{error}"
    );
    let error = Narrow::decode(
        WideAge {
            age: 0,
            deltas: vec![-(1 << 40)],
        }
        .encode_to_vec()
        .as_slice(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        error.contains("-1099511627776 is out of range for i8"),
        "{error}"
    );
}
