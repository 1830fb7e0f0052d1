//! The store database: Nix's schema (`ValidPaths`, `Refs`, `DerivationOutputs`) in SQLite, in
//! write-ahead-log mode so readers never wait for a writer.

use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, params};

use super::{PathInfo, Result, StoreError};
use crate::hash::Hash;
use crate::store_path::{StoreDir, StorePath};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS ValidPaths (
    id               INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    path             TEXT UNIQUE NOT NULL,
    hash             TEXT NOT NULL,
    registrationTime INTEGER NOT NULL,
    deriver          TEXT,
    narSize          INTEGER,
    ultimate         INTEGER,
    sigs             TEXT,
    ca               TEXT
);
CREATE TABLE IF NOT EXISTS Refs (
    referrer  INTEGER NOT NULL,
    reference INTEGER NOT NULL,
    PRIMARY KEY (referrer, reference),
    FOREIGN KEY (referrer) REFERENCES ValidPaths(id) ON DELETE CASCADE,
    FOREIGN KEY (reference) REFERENCES ValidPaths(id) ON DELETE RESTRICT
);
CREATE INDEX IF NOT EXISTS IndexReferrer ON Refs(referrer);
CREATE INDEX IF NOT EXISTS IndexReference ON Refs(reference);
CREATE TABLE IF NOT EXISTS DerivationOutputs (
    drv  INTEGER NOT NULL,
    id   TEXT NOT NULL,
    path TEXT NOT NULL,
    PRIMARY KEY (drv, id),
    FOREIGN KEY (drv) REFERENCES ValidPaths(id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS IndexDerivationOutputs ON DerivationOutputs(path);
CREATE TABLE IF NOT EXISTS Settings (
    name  TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);
";

#[derive(Debug)]
pub(super) struct Db {
    conn: Connection,
    /// For messages.
    file: String,
    dir: StoreDir,
}

impl Db {
    pub(super) fn open(file: &Path, store_dir: &str, root: &Path) -> Result<Db> {
        let name = file.display().to_string();
        let err = |error| StoreError::Db {
            path: name.clone(),
            error,
        };
        let conn = Connection::open(file).map_err(err)?;
        conn.busy_timeout(Duration::from_secs(3600)).map_err(err)?;
        conn.pragma_update(None, "journal_mode", "wal")
            .map_err(err)?;
        conn.pragma_update(None, "foreign_keys", "on")
            .map_err(err)?;
        conn.pragma_update(None, "synchronous", "normal")
            .map_err(err)?;
        conn.execute_batch(SCHEMA).map_err(err)?;
        let recorded: Option<String> = conn
            .query_row(
                "SELECT value FROM Settings WHERE name = 'storeDir'",
                [],
                |r| r.get(0),
            )
            .optional()
            .map_err(err)?;
        match recorded {
            Some(dir) if dir != store_dir => {
                return Err(StoreError::WrongStoreDir {
                    root: root.display().to_string(),
                    recorded: dir,
                    asked: store_dir.to_string(),
                });
            }
            Some(_) => {}
            None => {
                conn.execute(
                    "INSERT OR IGNORE INTO Settings (name, value) VALUES ('storeDir', ?1)",
                    [store_dir],
                )
                .map_err(err)?;
            }
        }
        Ok(Db {
            conn,
            file: name,
            dir: StoreDir::new(store_dir),
        })
    }

    fn err(&self) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
        |error| StoreError::Db {
            path: self.file.clone(),
            error,
        }
    }

    fn print(&self, p: &StorePath) -> String {
        self.dir.print(p)
    }

    fn parse(&self, text: &str) -> Result<StorePath> {
        Ok(self.dir.parse(text)?)
    }

    pub(super) fn is_valid(&self, path: &StorePath) -> Result<bool> {
        let mut st = self
            .conn
            .prepare_cached("SELECT 1 FROM ValidPaths WHERE path = ?1")
            .map_err(self.err())?;
        st.exists([self.print(path)]).map_err(self.err())
    }

    pub(super) fn valid_paths(&self) -> Result<Vec<StorePath>> {
        let mut st = self
            .conn
            .prepare_cached("SELECT path FROM ValidPaths ORDER BY path")
            .map_err(self.err())?;
        let rows = st
            .query_map([], |r| r.get::<_, String>(0))
            .map_err(self.err())?;
        let mut out = Vec::new();
        for row in rows {
            out.push(self.parse(&row.map_err(self.err())?)?);
        }
        out.sort();
        Ok(out)
    }

    /// The valid path whose printed form starts with `prefix` (`<dir>/<hash>-`), the first
    /// one in order if several do.
    pub(super) fn path_with_prefix(&self, prefix: &str) -> Result<Option<StorePath>> {
        let mut st = self
            .conn
            .prepare_cached("SELECT path FROM ValidPaths WHERE path >= ?1 ORDER BY path LIMIT 1")
            .map_err(self.err())?;
        let found: Option<String> = st
            .query_row([prefix], |r| r.get(0))
            .optional()
            .map_err(self.err())?;
        match found {
            Some(path) if path.starts_with(prefix) => Ok(Some(self.parse(&path)?)),
            _ => Ok(None),
        }
    }

    pub(super) fn path_info(&self, path: &StorePath) -> Result<Option<PathInfo>> {
        let mut st = self
            .conn
            .prepare_cached(
                "SELECT id, hash, registrationTime, deriver, narSize, sigs, ca \
                 FROM ValidPaths WHERE path = ?1",
            )
            .map_err(self.err())?;
        type Row = (
            i64,
            String,
            i64,
            Option<String>,
            Option<i64>,
            Option<String>,
            Option<String>,
        );
        let row: Option<Row> = st
            .query_row([self.print(path)], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                ))
            })
            .optional()
            .map_err(self.err())?;
        let Some((id, hash, time, deriver, size, sigs, ca)) = row else {
            return Ok(None);
        };
        let nar_hash = Hash::parse_prefixed(&hash).map_err(|e| {
            StoreError::Other(format!(
                "the database has a bad hash for '{}': {e}",
                self.print(path)
            ))
        })?;
        Ok(Some(PathInfo {
            path: path.clone(),
            nar_hash,
            nar_size: size.unwrap_or(0) as u64,
            references: self.references_of_id(id)?,
            deriver: deriver.and_then(|d| self.parse(&d).ok()),
            registration_time: time,
            ca: ca.filter(|c| !c.is_empty()),
            sigs: sigs
                .unwrap_or_default()
                .split(' ')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
        }))
    }

    fn references_of_id(&self, id: i64) -> Result<BTreeSet<StorePath>> {
        let mut st = self
            .conn
            .prepare_cached(
                "SELECT path FROM Refs JOIN ValidPaths ON reference = id WHERE referrer = ?1",
            )
            .map_err(self.err())?;
        let rows = st
            .query_map([id], |r| r.get::<_, String>(0))
            .map_err(self.err())?;
        let mut out = BTreeSet::new();
        for row in rows {
            out.insert(self.parse(&row.map_err(self.err())?)?);
        }
        Ok(out)
    }

    /// The references of `path`, or `None` when it is not valid.
    pub(super) fn references(&self, path: &StorePath) -> Result<Option<BTreeSet<StorePath>>> {
        let id: Option<i64> = self
            .conn
            .prepare_cached("SELECT id FROM ValidPaths WHERE path = ?1")
            .map_err(self.err())?
            .query_row([self.print(path)], |r| r.get(0))
            .optional()
            .map_err(self.err())?;
        id.map(|id| self.references_of_id(id)).transpose()
    }

    pub(super) fn referrers(&self, path: &StorePath) -> Result<BTreeSet<StorePath>> {
        let mut st = self
            .conn
            .prepare_cached(
                "SELECT v.path FROM Refs r JOIN ValidPaths v ON r.referrer = v.id \
                 WHERE r.reference = (SELECT id FROM ValidPaths WHERE path = ?1)",
            )
            .map_err(self.err())?;
        let rows = st
            .query_map([self.print(path)], |r| r.get::<_, String>(0))
            .map_err(self.err())?;
        let mut out = BTreeSet::new();
        for row in rows {
            out.insert(self.parse(&row.map_err(self.err())?)?);
        }
        Ok(out)
    }

    /// Makes `infos` valid in one transaction. Every reference must be valid or among
    /// `infos`; paths already valid are left as they are.
    pub(super) fn register(&mut self, infos: &[PathInfo]) -> Result<()> {
        let dir = self.dir.clone();
        let file = self.file.clone();
        let err = |error| StoreError::Db {
            path: file.clone(),
            error,
        };
        let tx = self.conn.transaction().map_err(err)?;
        {
            let mut insert = tx
                .prepare_cached(
                    "INSERT OR IGNORE INTO ValidPaths \
                     (path, hash, registrationTime, deriver, narSize, ultimate, sigs, ca) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                )
                .map_err(err)?;
            for info in infos {
                insert
                    .execute(params![
                        dir.print(&info.path),
                        format!("sha256:{}", info.nar_hash.to_base16()),
                        info.registration_time,
                        info.deriver.as_ref().map(|d| dir.print(d)),
                        info.nar_size as i64,
                        None::<i64>,
                        info.sigs.join(" "),
                        info.ca.as_deref(),
                    ])
                    .map_err(err)?;
            }
            let mut id_of = tx
                .prepare_cached("SELECT id FROM ValidPaths WHERE path = ?1")
                .map_err(err)?;
            let mut add_ref = tx
                .prepare_cached("INSERT OR IGNORE INTO Refs (referrer, reference) VALUES (?1, ?2)")
                .map_err(err)?;
            for info in infos {
                let referrer: i64 = id_of
                    .query_row([dir.print(&info.path)], |r| r.get(0))
                    .map_err(err)?;
                for r in &info.references {
                    let reference: Option<i64> = id_of
                        .query_row([dir.print(r)], |r| r.get(0))
                        .optional()
                        .map_err(err)?;
                    let Some(reference) = reference else {
                        return Err(StoreError::Other(format!(
                            "cannot add '{}': its reference '{}' is not valid",
                            dir.print(&info.path),
                            dir.print(r)
                        )));
                    };
                    add_ref.execute([referrer, reference]).map_err(err)?;
                }
            }
        }
        tx.commit().map_err(err)
    }

    /// Records which path each output of the derivation `drv` (valid) has.
    pub(super) fn add_derivation_outputs(
        &mut self,
        drv: &StorePath,
        outputs: &[(String, StorePath)],
    ) -> Result<()> {
        let dir = self.dir.clone();
        let mut st = self
            .conn
            .prepare_cached(
                "INSERT OR REPLACE INTO DerivationOutputs (drv, id, path) VALUES \
                 ((SELECT id FROM ValidPaths WHERE path = ?1), ?2, ?3)",
            )
            .map_err(self.err())?;
        for (name, path) in outputs {
            st.execute(params![dir.print(drv), name, dir.print(path)])
                .map_err(|error| StoreError::Db {
                    path: self.file.clone(),
                    error,
                })?;
        }
        Ok(())
    }

    /// Removes `paths` from the database in one transaction. No valid path outside `paths`
    /// may refer to them.
    pub(super) fn invalidate(&mut self, paths: &[StorePath]) -> Result<()> {
        let dir = self.dir.clone();
        let file = self.file.clone();
        let err = |error| StoreError::Db {
            path: file.clone(),
            error,
        };
        let tx = self.conn.transaction().map_err(err)?;
        {
            // References among the paths go first, then the rows (and with them, by cascade,
            // their references and derivation outputs).
            let mut drop_refs = tx
                .prepare_cached(
                    "DELETE FROM Refs WHERE referrer = (SELECT id FROM ValidPaths WHERE path = ?1)",
                )
                .map_err(err)?;
            for p in paths {
                drop_refs.execute([dir.print(p)]).map_err(err)?;
            }
            let mut drop_row = tx
                .prepare_cached("DELETE FROM ValidPaths WHERE path = ?1")
                .map_err(err)?;
            for p in paths {
                drop_row.execute([dir.print(p)]).map_err(|e| match e {
                    rusqlite::Error::SqliteFailure(f, _)
                        if f.code == rusqlite::ErrorCode::ConstraintViolation =>
                    {
                        StoreError::Other(format!(
                            "cannot delete '{}': other valid paths refer to it",
                            dir.print(p)
                        ))
                    }
                    e => err(e),
                })?;
            }
        }
        tx.commit().map_err(err)
    }

    /// Every valid path that records its deriver: (path, deriver).
    pub(super) fn derivers(&self) -> Result<Vec<(StorePath, StorePath)>> {
        let mut st = self
            .conn
            .prepare_cached("SELECT path, deriver FROM ValidPaths WHERE deriver IS NOT NULL")
            .map_err(self.err())?;
        let rows = st
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
            .map_err(self.err())?;
        let mut out = Vec::new();
        for row in rows {
            let (a, b) = row.map_err(self.err())?;
            if let (Ok(a), Ok(b)) = (self.parse(&a), self.parse(&b)) {
                out.push((a, b));
            }
        }
        Ok(out)
    }

    /// Every reference edge, as (referrer, reference).
    pub(super) fn all_references(&self) -> Result<Vec<(StorePath, StorePath)>> {
        let mut st = self
            .conn
            .prepare_cached(
                "SELECT a.path, b.path FROM Refs r \
                 JOIN ValidPaths a ON r.referrer = a.id JOIN ValidPaths b ON r.reference = b.id",
            )
            .map_err(self.err())?;
        let rows = st
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
            .map_err(self.err())?;
        let mut out = Vec::new();
        for row in rows {
            let (a, b) = row.map_err(self.err())?;
            out.push((self.parse(&a)?, self.parse(&b)?));
        }
        Ok(out)
    }
}
