//! Lesson 11: the served folder. Both servers open, list and create files
//! only through [`Root`], so the rules live in one place: names stay in
//! the folder, and a file appears under its name only when complete.
//!
//! An upload goes to a temporary file in `.partial/` inside the root (the
//! same file system, so the final step is a rename and not a copy), and
//! is linked under its name once every byte has arrived. Until then it is
//! an [`Upload`], whose `Drop` removes the temporary file: a client that
//! disconnects mid-upload leaves nothing behind, because closing its
//! connection drops its session, and with it the `Upload`.

use std::cell::RefCell;
use std::collections::HashSet;
use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use crate::protocol::{Refusal, check_name};

/// Where uploads in progress are written, inside the root.
pub const PARTIAL: &str = ".partial";

/// The served folder, shared by every connection of one server thread.
#[derive(Debug)]
pub struct Root {
    /// The folder, canonical (no symlinks, absolute): what every opened
    /// file's real path must start with.
    dir: PathBuf,
    /// Names with an upload in progress: a second `PUT` of one of them is
    /// `ERR exists` at once, not after both clients sent the whole file.
    uploading: RefCell<HashSet<String>>,
    /// Numbers the temporary files.
    next_upload: std::cell::Cell<u64>,
}

impl Root {
    /// Serves `dir`, which must exist. Empties `dir/.partial` of what a
    /// server that crashed mid-upload left there.
    pub fn open(dir: &Path) -> io::Result<Rc<Root>> {
        let dir = fs::canonicalize(dir).map_err(|e| {
            io::Error::new(
                e.kind(),
                format!("cannot serve {}: {e}", dir.display()),
            )
        })?;
        if !dir.is_dir() {
            return Err(io::Error::new(
                io::ErrorKind::NotADirectory,
                format!("cannot serve {}: not a folder", dir.display()),
            ));
        }
        let partial = dir.join(PARTIAL);
        match fs::remove_dir_all(&partial) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        fs::create_dir(&partial)?;
        Ok(Rc::new(Root {
            dir,
            uploading: RefCell::new(HashSet::new()),
            next_upload: std::cell::Cell::new(0),
        }))
    }

    /// The folder served.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    // ANCHOR: resolve
    /// The real path of `name` in the root, if it is a name and its real
    /// path is inside the root. `Ok(None)`: nothing by that name.
    fn resolve(&self, name: &str) -> Result<Option<PathBuf>, Refusal> {
        check_name(name)?;
        let path = self.dir.join(name);
        // Is there anything there at all, even a dangling symlink?
        if path.symlink_metadata().is_err() {
            return Ok(None);
        }
        // Follow every symlink, then ask where we ended up.
        match fs::canonicalize(&path) {
            Ok(real) if real.starts_with(&self.dir) => Ok(Some(real)),
            Ok(_) => Err(Refusal::BadName), // a symlink out of the root
            Err(_) => Err(Refusal::BadName), // dangling, or a loop
        }
    }
    // ANCHOR_END: resolve

    /// Opens `name` for `GET`: the file and its size.
    ///
    /// # Errors
    ///
    /// `ERR bad name` for a name that is not one or leads out of the
    /// root; `ERR no such file` if it is not a regular file.
    pub fn open_file(&self, name: &str) -> Result<(File, u64), Refusal> {
        let real = self.resolve(name)?.ok_or(Refusal::NoSuchFile)?;
        let file = File::open(&real).map_err(|_| Refusal::NoSuchFile)?;
        let meta = file.metadata().map_err(|_| Refusal::NoSuchFile)?;
        if !meta.is_file() {
            return Err(Refusal::NoSuchFile); // a folder, `.partial` say
        }
        Ok((file, meta.len()))
    }

    /// The regular files in the root, by name: `LIST`'s reply.
    pub fn list(&self) -> io::Result<Vec<(String, u64)>> {
        let mut files = Vec::new();
        for entry in fs::read_dir(&self.dir)? {
            let entry = entry?;
            let Ok(name) = entry.file_name().into_string() else {
                continue; // not UTF-8: no command could name it
            };
            if let Ok((_, size)) = self.open_file(&name) {
                files.push((name, size));
            }
        }
        files.sort();
        Ok(files)
    }

    // ANCHOR: begin_upload
    /// Starts `PUT name size`: a temporary file in `.partial/`.
    ///
    /// # Errors
    ///
    /// `ERR exists` if the name is taken (or being uploaded), `ERR bad
    /// name`, or `ERR failed` if the temporary file cannot be made.
    pub fn begin_upload(
        self: &Rc<Root>,
        name: &str,
    ) -> Result<Upload, Refusal> {
        if self.resolve(name)?.is_some()
            || self.uploading.borrow().contains(name)
        {
            return Err(Refusal::Exists);
        }
        let number = self.next_upload.get();
        self.next_upload.set(number + 1);
        let temp = self.dir.join(PARTIAL).join(format!("{number}.part"));
        let file = File::create_new(&temp).map_err(|_| Refusal::Failed)?;
        self.uploading.borrow_mut().insert(name.to_owned());
        Ok(Upload {
            root: self.clone(),
            name: name.to_owned(),
            temp,
            file: Some(file),
        })
    }
    // ANCHOR_END: begin_upload
}

/// An upload in progress: a temporary file, removed when dropped unless
/// [`Upload::finish`] has linked it under its name.
#[derive(Debug)]
pub struct Upload {
    root: Rc<Root>,
    name: String,
    temp: PathBuf,
    file: Option<File>,
}

impl Upload {
    /// Appends `bytes` to the temporary file.
    pub fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        match &mut self.file {
            Some(file) => file.write_all(bytes),
            None => Err(io::ErrorKind::BrokenPipe.into()),
        }
    }

    // ANCHOR: finish
    /// Every byte has arrived: put the file under its name. A hard link,
    /// then removing the temporary name, because `link` refuses to
    /// replace an existing file (a plain `rename` would silently replace
    /// one that appeared meanwhile, say by hand).
    ///
    /// # Errors
    ///
    /// `ERR exists` if the name was taken meanwhile; `ERR failed` if the
    /// disk refused.
    pub fn finish(mut self) -> Result<(), Refusal> {
        // Closing the file flushes nothing (std's `File` does not buffer)
        // but frees its descriptor before the reply goes out.
        drop(self.file.take());
        let target = self.root.dir.join(&self.name);
        match fs::hard_link(&self.temp, &target) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                Err(Refusal::Exists)
            }
            Err(_) => Err(Refusal::Failed),
        }
        // `Drop` removes the temporary name either way.
    }
    // ANCHOR_END: finish
}

impl Drop for Upload {
    fn drop(&mut self) {
        drop(self.file.take());
        let _ = fs::remove_file(&self.temp);
        self.root.uploading.borrow_mut().remove(&self.name);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dropped_upload_leaves_nothing_and_a_finished_one_its_file() {
        let dir = tempfile::tempdir().unwrap();
        let root = Root::open(dir.path()).unwrap();
        let mut upload = root.begin_upload("a").unwrap();
        upload.write(b"half").unwrap();
        assert_eq!(root.begin_upload("a").unwrap_err(), Refusal::Exists);
        drop(upload);
        assert!(
            fs::read_dir(dir.path().join(PARTIAL))
                .unwrap()
                .next()
                .is_none()
        );
        assert!(!dir.path().join("a").exists());
        let mut upload = root.begin_upload("a").unwrap();
        upload.write(b"whole").unwrap();
        upload.finish().unwrap();
        assert_eq!(fs::read(dir.path().join("a")).unwrap(), b"whole");
        assert!(
            fs::read_dir(dir.path().join(PARTIAL))
                .unwrap()
                .next()
                .is_none()
        );
        assert_eq!(root.begin_upload("a").unwrap_err(), Refusal::Exists);
    }

    #[test]
    fn symlinks_are_followed_only_inside_the_root() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("real"), b"x").unwrap();
        std::os::unix::fs::symlink("real", dir.path().join("inside")).unwrap();
        std::os::unix::fs::symlink("/etc/hostname", dir.path().join("out"))
            .unwrap();
        let root = Root::open(dir.path()).unwrap();
        assert_eq!(root.open_file("inside").unwrap().1, 1);
        assert_eq!(root.open_file("out").unwrap_err(), Refusal::BadName);
        assert_eq!(root.open_file(PARTIAL).unwrap_err(), Refusal::NoSuchFile);
        let names: Vec<_> =
            root.list().unwrap().into_iter().map(|f| f.0).collect();
        assert_eq!(names, ["inside", "real"]);
    }
}
