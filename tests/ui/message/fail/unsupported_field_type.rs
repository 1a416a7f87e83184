#[derive(Debug, kit::Message)]
struct Grid {
    cells: Vec<Vec<i64>>,
}

fn main() {}
