/**
 * The words synthetic text is made of: 1,024 common English words, each a
 * single token with its leading space in both o200k and cl100k (checked by
 * test/block-text.test.ts), so a text of n words is exactly n tokens in either
 * and texts joined end to end add up. Chosen by rank from the o200k vocabulary
 * among the words of a public-domain English word list (Debian's wamerican),
 * a few code and foreign-language fragments left out.
 */
export const WORDS: readonly string[] = (
  'with that this from return your have will class public more part void they their self time over about work function ' +
  'which else also some data private when other year like name need just been true there them real what value would ' +
  'false type were into make result list than first import back start only string inform form look static best under ' +
  'trans most find person help people want long final read test every should know well pres hand then through user char ' +
  'require right pass stud very these product case good prof down where post high after even file mark many much could ' +
  'while said used number years event here play print item differ last program word text current great does sign ' +
  'because home such free before process online take child view break size show model using design check world week ' +
  'book think business again system call cent point being made each poss place found open support create super line ' +
  'order service develop method custom quest state next life request those follow care array different expect organ ' +
  'same intern local site style really writ main default must game object direct available fact around rest between ' +
  'market term error android still without month disc offer going both project page report build love client come color ' +
  'cost second content path port full access effect company message stand head feel level document team mill health ' +
  'sure experience invest field things small table protect response always consider present change perform range during ' +
  'keep review prom days important little three water input interest better room website link including power index ' +
  'school hard code catch plan family double success within date account something left group might element control ' +
  'services special provide count total base another image area since body give extends kind search assert social ' +
  'contact record echo turn email fore action able required less allow address looking never target material title ' +
  'context video personal grow sent profession options console products money price version include children match ' +
  'following position await short update visit today dire blog working door based lead comb making possible meet sever ' +
  'course done quality research away moment cell light label understand easy food times past four mind along begin ' +
  'source seem throw enjoy house already software side exist cover property given download width protected employ block ' +
  'called against results perfect prim large needs float thing individual certain camp elect fund learn dies status ' +
  'students sort thought amount valid live having situ land tool display single talk node until govern treat height ' +
  'cult clean load simple together once items output select means original card actually mean often either makes ' +
  'problem getting values deal community connect mass please later quick night specific ever story initial features ' +
  'details author below store continue space several question country instance cook face enough send press example ' +
  'members says study host extra particular become city player major others games media especial button hold write stay ' +
  'save location favor news font teach throws hours comes miss women share copy above least friend provided focus ' +
  'represent reason season walk pick wait across close period auto move future writing track click task offers doing ' +
  'option handle common pack questions clear created comment info discuss music users human subject network started ' +
  'role minutes global temp tell though hope tout months length everything relations strong complete known front points ' +
  'film whether series heart young fall respect watch bring choose install happen fast friends stop history someone ' +
  'query phone popular window industry unique enter million added article collection came exam character addition near ' +
  'join previous works override various prop device render accept register expected terms energy black perm limit ' +
  'parent went step general customer column companies provides types format server engine member customers early weight ' +
  'answer idea government whole took normal reading issues password apply received express beautiful suggest needed ' +
  'events anything correct training switch regard taking delete center draw nous seen internet screen among sing wonder ' +
  'prior session interface impact remove natural rate loss building cannot feature actual files technology brand ' +
  'command exact comfort background platform grand implement percent hotel half except selected words component rights ' +
  'living conditions travel management believe sites foot language receive claim potential fire staff white simply five ' +
  'entire casino everyone difficult further stock root token additional issue changes paper includes yourself marketing ' +
  'forward filter taken contract trying connection tech bill refer areas active however quite ensure student border ' +
  'mode similar inside soon almost running financial board plant modern currently problems flex stream credit designed ' +
  'office template latest third bank lower nothing effort takes regular fill likely told tour usually ready especially ' +
  'ways deliver recommend models standard risk probably reviews digital condition increase according cause section fail ' +
  'song transform knowledge approach mobile production happy sales choice matter couple related recent books wanted ' +
  'security subs players coming entry pretty higher published frame official purchase prevent machine virtual sound ' +
  'round sale included party prefer concern returns touch arch shows nice progress temper longer resources pain sell ' +
  'treatment weeks graph note clients menu images held systems drive learning random viol outside rather anyone worth ' +
  'upon policy located solution written computer multiple confirm reach instead leave unit appear feed safe transport ' +
  'speed ground kids asked legal assist national medical behind easily late flow average education database ideas ' +
  'nature skills materials throughout ball parts norm comments seems till affect icon paint cases collect allows ' +
  'storage methods proper candid region variety skin excellent chat complex exception fort death chance quickly cross ' +
  'programs deep ones hair lock activity insurance built wish leading seek patients cart necessary cool tree activities ' +
  'wide band memory consult wrong remember header empty slot looks implements release town practice movie playing star ' +
  'growth discover ability pattern resource photos useful expert favorite floor lives margin properties charge tend ' +
  'levels pool avoid improve parse recently daily score equipment tools firm selection liter analysis prices convert ' +
  'career roll amazing finally effective updated demand concept trust bath pros sense train directly club alert fields ' +
  'pages projects aspect gold buffer goal thread starting notice gets elements mention blood views decision numbers ' +
  'owner associated delivery adult attention lines attempt rock morning category shall picture bottom verb college ' +
  'essential road commit settings sleep '
).trim().split(' ');
