#[kit::service]
trait Calc {
    async fn add<T>(&self, a: i64) -> Result<i64, kit::Error>;
}

fn main() {}
