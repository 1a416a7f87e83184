#[derive(Debug, thiserror::Error, kit::Error)]
enum FeedError {
    #[error(transparent)]
    #[kit(transport)]
    Transport(kit::Error),
}

#[kit::service]
trait Feed {
    async fn ticks(&self, count: u64) -> Result<kit::Stream<u64>, FeedError>;
}

fn main() {}
