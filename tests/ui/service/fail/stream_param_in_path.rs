#[kit::service]
trait Feed {
    #[kit(http(post = "/total/{ticks}"))]
    async fn total(&self, ticks: kit::Streaming<u64>) -> Result<u64, kit::Error>;
}

fn main() {}
