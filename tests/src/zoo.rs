//! A service whose types use every corner of the protobuf mapping, so that
//! the compiled schema and `kitgen proto`'s can be compared where they are
//! most likely to differ.

use std::collections::{BTreeMap, HashMap};

/// How an animal feels; `Calm` is 0.
#[derive(Clone, Copy, Debug, PartialEq, kit::Message)]
pub enum Mood {
    /// The default.
    Calm,
    /// Numbered out of order.
    Happy = 3,
    /// Negative.
    Grumpy = -1,
}

/// Types in a nested module.
pub mod staff {
    /// Who looks after an animal.
    #[derive(Clone, Debug, PartialEq, kit::Message)]
    pub struct Keeper {
        /// The keeper's name.
        pub name: String,
        /// Years of experience, ZigZag encoded.
        #[kit(sint)]
        pub years: i32,
    }
}

/// An animal's number: an alias, which `kitgen proto` follows as the
/// compiler does.
pub type AnimalId = u64;

/// Keepers, through an alias of a container of a type in a module.
pub type Roster = Vec<staff::Keeper>;

/// An animal.
#[derive(Clone, Debug, PartialEq, kit::Message)]
pub struct Animal {
    /// Its name.
    pub name: String,
    /// A raw identifier.
    pub r#type: String,
    /// Moods by time of day.
    pub moods: HashMap<String, Mood>,
    /// Feeding times, by day number.
    pub feedings: BTreeMap<u32, String>,
    /// The keeper, if any.
    pub keeper: Option<staff::Keeper>,
    /// Weights, ZigZag encoded.
    #[kit(sint)]
    pub weights: Vec<i32>,
    /// A tag, fixed width.
    #[kit(fixed, tag = 20)]
    pub tag: Option<u64>,
    /// Past moods.
    pub history: Vec<Mood>,
    /// A photo.
    pub photo: Vec<u8>,
    /// Its number.
    pub id: AnimalId,
    /// Legs, however many.
    pub legs: usize,
    /// Degrees from the keeper's heading, either way.
    pub heading: isize,
    /// Age in years.
    pub age: u8,
    /// Its enclosure, if it has one.
    pub enclosure: Option<u16>,
    /// Temperatures, in degrees.
    pub temperatures: Vec<i8>,
    /// Depth of its pool, in centimetres below ground.
    pub depth: i16,
    /// Its grade.
    pub grade: char,
    /// Hours awake by day number.
    pub awake: BTreeMap<u16, usize>,
}

/// A zoo.
#[kit::service(package = "zoo.v1")]
pub trait Zoo: Send + Sync + 'static {
    /// Feeds an animal.
    async fn feed(
        &self,
        ctx: &kit::Context,
        animal: Animal,
        r#type: String,
        nothing: (),
    ) -> Result<(), kit::Error>;

    /// Every animal.
    async fn census(&self) -> Result<Vec<Animal>, kit::Error>;

    /// Mood counts.
    async fn moods(&self, by: Option<Mood>) -> Result<HashMap<String, i64>, kit::Error>;

    /// Who looks after the animals.
    async fn keepers(&self, animals: Vec<AnimalId>) -> Result<Roster, kit::Error>;

    /// How many animals have a name with `letter`, up to `limit`.
    async fn count(&self, letter: char, limit: u8) -> Result<usize, kit::Error>;
}
