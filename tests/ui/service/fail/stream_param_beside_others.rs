#[kit::service]
trait Feed {
    async fn total(&self, scale: u64, ticks: kit::Streaming<u64>) -> Result<u64, kit::Error>;
}

fn main() {}
