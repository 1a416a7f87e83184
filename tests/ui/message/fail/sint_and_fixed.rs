#[derive(Debug, kit::Message)]
struct Point {
    #[kit(sint, fixed)]
    x: i64,
}

fn main() {}
