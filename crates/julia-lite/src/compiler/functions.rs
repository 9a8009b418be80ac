//! Calls, function definitions, methods and closures.

use super::*;

impl Compiler {
    pub(super) fn call(&mut self, f: &Expr, args: &[Arg], dot: bool) -> CResult<()> {
        if let Expr::Ident(n) = f
            && !dot
            && n == "Dict"
            && args.iter().any(|a| a.name.is_some())
        {
            return Err(syntax_error("Dict with keyword arguments is not supported"));
        }
        if dot {
            return self.dot_call(f, args);
        }
        self.expr(f)?;
        let pos: Vec<&Arg> = args.iter().filter(|a| a.name.is_none()).collect();
        let kws: Vec<&Arg> = args.iter().filter(|a| a.name.is_some()).collect();
        if kws.len() > MAX_KW {
            return Err(syntax_error("too many keyword arguments"));
        }
        let kwidx = if kws.is_empty() {
            0
        } else {
            let names: Vec<Name> = kws
                .iter()
                .map(|a| Name::from(a.name.as_deref().unwrap_or("")))
                .collect();
            let f = self.f();
            f.chunk.kwnames.push(names);
            f.chunk.kwnames.len() as u16
        };
        if pos.iter().any(|a| a.splat) {
            for a in &pos {
                self.expr(&a.value)?;
                if a.splat {
                    self.emit(Op::ToTuple);
                } else {
                    self.emit(Op::MakeTuple(1));
                }
            }
            self.emit(Op::ConcatTuples(pos.len() as u16));
            for a in &kws {
                self.expr(&a.value)?;
            }
            self.emit(Op::CallApply(kwidx));
            return Ok(());
        }
        for a in &pos {
            self.expr(&a.value)?;
        }
        for a in &kws {
            self.expr(&a.value)?;
        }
        self.emit(Op::Call(pos.len().min(u16::MAX as usize) as u16, kwidx));
        Ok(())
    }

    /// `f.(args)` → `_broadcast(f, args...)`, splats kept. With keyword arguments,
    /// `f.(xs; k = v)` → `let t = v, g = f; _broadcast((ys...) -> g(ys...; k = t), xs) end`:
    /// `f` and each keyword value are evaluated once, as in Julia, and every element call
    /// gets the keywords.
    fn dot_call(&mut self, f: &Expr, args: &[Arg]) -> CResult<()> {
        let arg = |value: Expr, splat: bool| Arg {
            name: None,
            value,
            splat,
            semi: false,
        };
        let broadcast = Expr::Ident("_broadcast".into());
        let positional = args.iter().filter(|a| a.name.is_none()).cloned();
        if args.iter().all(|a| a.name.is_none()) {
            let mut bargs = vec![arg(f.clone(), false)];
            bargs.extend(positional);
            return self.call(&broadcast, &bargs, false);
        }
        // hidden names (`#` cannot start a user identifier)
        let mut binds = vec![(Expr::Ident("#bf".into()), Some(f.clone()))];
        let mut inner = vec![arg(Expr::Ident("#xs".into()), true)];
        for (i, a) in args.iter().filter(|a| a.name.is_some()).enumerate() {
            let t = format!("#kw{i}");
            binds.push((Expr::Ident(t.clone()), Some(a.value.clone())));
            inner.push(Arg {
                name: a.name.clone(),
                value: Expr::Ident(t),
                splat: a.splat,
                semi: true,
            });
        }
        let line = self.f().line;
        let lambda = Expr::Lambda(Arc::new(FuncDef {
            name: None,
            params: vec![Param {
                name: "#xs".into(),
                ty: None,
                default: None,
                splat: true,
            }],
            kwparams: vec![],
            body: Box::new(Expr::Call(Box::new(Expr::Ident("#bf".into())), inner)),
            line,
        }));
        let mut bargs = vec![arg(lambda, false)];
        bargs.extend(positional);
        let e = Expr::Let(binds, Box::new(Expr::Call(Box::new(broadcast), bargs)));
        self.expr(&e)
    }

    pub(super) fn function(&mut self, def: &Arc<FuncDef>) -> CResult<()> {
        let name = def.name.clone().unwrap_or_default();
        let local = !self.f().toplevel && !self.f().globals.contains(&name);
        if local {
            let m = self.compile_method(def, Some(&name))?;
            self.make_closure(m)?;
            self.emit(Op::Dup);
            self.store_name(&name);
            return Ok(());
        }
        let m = self.compile_method(def, None)?;
        let f = self.f();
        f.chunk.methods.push(m);
        let mi = (f.chunk.methods.len() - 1) as u32;
        let n = self.name(&name);
        self.emit(Op::DefMethod(n, mi));
        Ok(())
    }

    pub(super) fn make_closure(&mut self, m: Arc<Method>) -> CResult<()> {
        // captures were recorded in the method compile: they are in m's "captures" list,
        // which we get back through the last compiled capture list
        let caps = std::mem::take(&mut self.last_captures);
        for (_, load) in &caps {
            match load {
                Load::Local(s) => self.emit(Op::LoadLocal(*s)),
                Load::Cap(k) => self.emit(Op::LoadCap(*k)),
                Load::SelfRef => self.emit(Op::LoadSelf),
            };
        }
        let f = self.f();
        f.chunk.methods.push(m);
        let mi = (f.chunk.methods.len() - 1) as u32;
        self.emit(Op::MakeClosure(mi, caps.len() as u16));
        Ok(())
    }

    pub(super) fn compile_method(
        &mut self,
        def: &FuncDef,
        self_name: Option<&str>,
    ) -> CResult<Arc<Method>> {
        if self.fns.len() > 32 {
            return Err(syntax_error("functions nested too deeply"));
        }
        let mut st = FnState::new(false);
        st.line = if def.line > 0 {
            def.line
        } else {
            self.f().line
        };
        st.self_name = self_name.map(|s| s.to_string());
        let global_fn = self_name.is_none() && def.name.is_some();
        // parameters first
        let mut params = Vec::new();
        let mut nreq = 0;
        let mut vararg = false;
        for p in &def.params {
            let s = st.new_slot(&p.name);
            st.scopes[0].insert(p.name.clone(), s);
            params.push((
                Name::from(p.name.as_str()),
                p.ty.as_ref().and_then(resolve_type),
            ));
            if p.splat {
                vararg = true;
            } else if p.default.is_none() {
                nreq += 1;
            }
        }
        let mut kwparams = Vec::new();
        for p in &def.kwparams {
            let s = st.new_slot(&p.name);
            st.scopes[0].insert(p.name.clone(), s);
            kwparams.push(Name::from(p.name.as_str()));
        }
        let mut g = HashSet::new();
        collect_globals(&def.body, &mut g, 0);
        st.globals = g;
        st.no_capture = global_fn;
        let mut outside = HashSet::new();
        let mut inside = HashSet::new();
        collect_assigned(&def.body, &mut outside, &mut inside, false, 0);
        let mut names: Vec<String> = outside.into_iter().chain(inside).collect();
        names.sort();
        names.dedup();
        for n in names {
            if st.globals.contains(&n)
                || st.scopes[0].contains_key(&n)
                || st.self_name.as_deref() == Some(n.as_str())
            {
                continue;
            }
            // closures: a name that resolves in the enclosing function stays a capture
            if !global_fn && self.resolve(&n).is_some() {
                continue;
            }
            let s = st.new_slot(&n);
            st.scopes[0].insert(n, s);
        }
        // locals assigned inside inner closures are shared by reference (boxed)
        let mut inner = HashSet::new();
        closure_assigned(&def.body, &mut inner, 0);
        for n in &inner {
            if let Some(&s) = st.scopes[0].get(n) {
                st.boxed.insert(s);
            }
        }
        let mut boxed: Vec<u32> = st.boxed.iter().copied().collect();
        boxed.sort();
        let nparams = (def.params.len() + def.kwparams.len()) as u32;
        self.fns.push(st);
        let r = (|| -> CResult<()> {
            // defaults
            for (i, p) in def.params.iter().enumerate() {
                if let Some(d) = &p.default {
                    let j = self.emit(Op::JumpIfArgGiven(i as u32, 0));
                    self.expr(d)?;
                    self.emit(Op::StoreLocal(i as u32));
                    let h = self.here();
                    self.patch(j, h);
                }
            }
            let np = def.params.len();
            for (k, p) in def.kwparams.iter().enumerate() {
                let slot = (np + k) as u32;
                let j = self.emit(Op::JumpIfDefined(slot, 0));
                match &p.default {
                    Some(d) => {
                        self.expr(d)?;
                        self.emit(Op::StoreLocal(slot));
                    }
                    None => {
                        let n = self.name(&p.name);
                        self.emit(Op::UndefKw(n));
                    }
                }
                let h = self.here();
                self.patch(j, h);
            }
            for s in &boxed {
                self.emit(if *s < nparams {
                    Op::BoxParam(*s)
                } else {
                    Op::NewBox(*s)
                });
            }
            self.expr(&def.body)?;
            self.emit(Op::Return);
            Ok(())
        })();
        let st = self
            .fns
            .pop()
            .ok_or_else(|| syntax_error("internal compiler error"))?;
        r?;
        self.last_captures = st.captures.iter().map(|(n, l)| (n.clone(), *l)).collect();
        let name: Name = def
            .name
            .clone()
            .unwrap_or_else(|| "anonymous".into())
            .into();
        let mut chunk = st.chunk;
        chunk.frame_info = Some(crate::bytecode::FrameInfo {
            name: name.clone(),
            params: params.iter().map(|(n, _)| n.clone()).collect(),
            prelude: self.prelude,
        });
        Ok(Arc::new(Method {
            name,
            params,
            nreq,
            vararg,
            kwparams,
            chunk: Arc::new(chunk),
            prelude: self.prelude,
        }))
    }
}
