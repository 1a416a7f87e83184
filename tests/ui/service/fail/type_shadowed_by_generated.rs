#[derive(serde::Serialize, serde::Deserialize, Debug)]
pub struct SumRequest {
    pub a: i64,
}

#[kit::service]
trait Calc {
    async fn sum(&self, request: SumRequest) -> Result<i64, kit::Error>;
}

fn main() {}
