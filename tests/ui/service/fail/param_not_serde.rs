pub struct Opaque;

#[kit::service]
trait Calc {
    async fn add(&self, value: Opaque) -> Result<i64, kit::Error>;
}

fn main() {}
