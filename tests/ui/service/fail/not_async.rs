#[kit::service]
trait Calc {
    fn add(&self, a: i64, b: i64) -> Result<i64, kit::Error>;
}

fn main() {}
