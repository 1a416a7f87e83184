#[kit::service]
trait Calc {
    async fn add(a: i64, b: i64) -> Result<i64, kit::Error>;
}

fn main() {}
