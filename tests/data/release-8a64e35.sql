BEGIN TRANSACTION;
CREATE TABLE batches (
    batch_id INTEGER PRIMARY KEY,
    submissions_csv TEXT NOT NULL,
    consumers_csv TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    n_rows INTEGER
);
INSERT INTO "batches" VALUES(1,'/work/main/samples/batch/submissions.csv','/work/main/samples/batch/consumers.csv','2026-12-04T13:10:34+00:00','2026-12-04T13:10:37+00:00',37);
CREATE TABLE claims (
    submission_id TEXT NOT NULL,
    occurrence INTEGER NOT NULL,
    reviewer TEXT NOT NULL,
    claimed_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    assigned_by TEXT,
    PRIMARY KEY (submission_id, occurrence)
);
CREATE TABLE consumers (
    ivrs TEXT PRIMARY KEY,
    name TEXT,
    previous_reading TEXT,
    previous_reading_date TEXT,
    tariff_category TEXT,
    updated_at TEXT
);
INSERT INTO "consumers" VALUES('78203289048','Pooja Bano','1032','2026-10-03','domestic','2026-12-04T13:10:34+00:00');
INSERT INTO "consumers" VALUES('2837193563','Sunita Das','5933','2026-10-02','domestic','2026-12-04T13:10:34+00:00');
INSERT INTO "consumers" VALUES('7267327722','Geeta Sharma','7099','2026-10-02','domestic','2026-12-04T13:10:34+00:00');
INSERT INTO "consumers" VALUES('5983585384','Manoj Chouhan','1874','2026-10-01','domestic','2026-12-04T13:10:34+00:00');
INSERT INTO "consumers" VALUES('69061283169','Anjali Gupta','9264','2026-10-01','non-domestic','2026-12-04T13:10:34+00:00');
INSERT INTO "consumers" VALUES('0327241216','Poojä Iyer','284','2026-10-01','domestic','2026-12-04T13:10:34+00:00');
INSERT INTO "consumers" VALUES('43679758061','Manoj Iyer','6058','2026-10-01','industrial','2026-12-04T13:10:34+00:00');
INSERT INTO "consumers" VALUES('135194657076','Sunita Yadav','4835','2026-10-05','domestic','2026-12-04T13:10:34+00:00');
INSERT INTO "consumers" VALUES('70852890952','Kavita Verma','494','2026-10-04','domestic','2026-12-04T13:10:34+00:00');
INSERT INTO "consumers" VALUES('63013440051','Anil Kumar','41754','2026-10-03','domestic','2026-12-04T13:10:34+00:00');
INSERT INTO "consumers" VALUES('28352377328','Sunita Das','276','2026-10-02','domestic','2026-12-04T13:10:34+00:00');
INSERT INTO "consumers" VALUES('1952748292','Imran Chouhan','1890','2026-10-01','non-domestic','2026-12-04T13:10:34+00:00');
INSERT INTO "consumers" VALUES('448249891828','Deepak Chouhan','55581','2026-10-03','agriculture','2026-12-04T13:10:34+00:00');
INSERT INTO "consumers" VALUES('012818017123','Manoj Sharma','8936','2026-10-02','agriculture','2026-12-04T13:10:34+00:00');
INSERT INTO "consumers" VALUES('51712357697','Meena Rao','27879','2026-10-01','domestic','2026-12-04T13:10:34+00:00');
INSERT INTO "consumers" VALUES('918787563157','Lakshmi Verma','27576','2026-10-02','industrial','2026-12-04T13:10:34+00:00');
INSERT INTO "consumers" VALUES('87940927323','Priya Patel','82020','2026-10-05','non-domestic','2026-12-04T13:10:34+00:00');
INSERT INTO "consumers" VALUES('6219663142','Anil Rao','31476','2026-10-01','domestic','2026-12-04T13:10:34+00:00');
INSERT INTO "consumers" VALUES('25535568460','Pooja Patil','2161','2026-10-01','non-domestic','2026-12-04T13:10:34+00:00');
INSERT INTO "consumers" VALUES('014047471583','Kavita Mishra','694','2026-10-05','domestic','2026-12-04T13:10:34+00:00');
INSERT INTO "consumers" VALUES('05988582242','Anjali Chouhan','11761','2026-10-01','industrial','2026-12-04T13:10:34+00:00');
INSERT INTO "consumers" VALUES('463959907090','Lakshmi Singh','1166','2026-10-04','non-domestic','2026-12-04T13:10:34+00:00');
INSERT INTO "consumers" VALUES('3644394610','Vikram Yadav','7139','2026-10-02','domestic','2026-12-04T13:10:34+00:00');
INSERT INTO "consumers" VALUES('52560954460','Imran Singh','40899','2026-10-02','domestic','2026-12-04T13:10:34+00:00');
INSERT INTO "consumers" VALUES('9346108819','Rajesh Das','19399','2026-10-03','domestic','2026-12-04T13:10:34+00:00');
INSERT INTO "consumers" VALUES('0303838541','Imran Rao','725','2026-10-01','domestic','2026-12-04T13:10:34+00:00');
INSERT INTO "consumers" VALUES('093556217778','Priya Tiwari','9742','2026-10-03','non-domestic','2026-12-04T13:10:34+00:00');
INSERT INTO "consumers" VALUES('05084882591','Geeta Nair','27439','2026-10-03','domestic','2026-12-04T13:10:34+00:00');
INSERT INTO "consumers" VALUES('966757624977','Geeta Gupta','216','2026-10-04','domestic','2026-12-04T13:10:34+00:00');
INSERT INTO "consumers" VALUES('74462106371','Priya Gupta','42193','2026-10-01','domestic','2026-12-04T13:10:34+00:00');
INSERT INTO "consumers" VALUES('1136046335','Suresh Reddy','41623','2026-10-02','domestic','2026-12-04T13:10:34+00:00');
INSERT INTO "consumers" VALUES('21345179418','Imran Rao','2994','2026-10-05','domestic','2026-12-04T13:10:34+00:00');
INSERT INTO "consumers" VALUES('78857356574','Anil Gupta','15683','2026-10-03','domestic','2026-12-04T13:10:34+00:00');
INSERT INTO "consumers" VALUES('96255227022','Arjun Reddy','11706','2026-10-05','domestic','2026-12-04T13:10:34+00:00');
INSERT INTO "consumers" VALUES('1710779002','Pooja Nair','1077','2026-10-02','domestic','2026-12-04T13:10:34+00:00');
INSERT INTO "consumers" VALUES('213351338307','Geeta Mishra','32533','2026-10-02','domestic','2026-12-04T13:10:34+00:00');
CREATE TABLE draw_commitments (
    commitment_id INTEGER PRIMARY KEY,
    cycle TEXT NOT NULL,
    export_id INTEGER NOT NULL REFERENCES exports (export_id),
    list_sha256 TEXT NOT NULL,
    seed_sha256 TEXT NOT NULL,
    seed TEXT NOT NULL,
    public_value_source TEXT,
    content TEXT NOT NULL,
    committed_at TEXT NOT NULL
);
INSERT INTO "draw_commitments" VALUES(1,'2026-11',4,'30972477524651211ba0bad8adc7519854da4dd5f430d2d7b5113b805b4217e1','8a062a5e5dfa63a9ab45064686d0a1e1ca408b7ef69070cf0f3a29e9ddb82399','ebb6b149a4edd4db9cc3615960ef4aa65aef7d99f578e50a5c68895bd9cc6338',NULL,'# meter-verify lucky-draw commitment: publish this file with the list, before the draw
cycle: 2026-11
list: eligible.csv
list_sha256: 30972477524651211ba0bad8adc7519854da4dd5f430d2d7b5113b805b4217e1
entries: 4
seed_sha256: 8a062a5e5dfa63a9ab45064686d0a1e1ca408b7ef69070cf0f3a29e9ddb82399
public_value_source: none
committed_at: 2026-12-04T13:10:56+00:00
rule: key = SHA-256(DRAW_SEED + IVRS) for every entry, the N smallest keys win (ties by IVRS); DRAW_SEED = SEED (revealed at the draw; its SHA-256 is seed_sha256 above), or SEED + "/" + PUBLIC_VALUE when public_value_source names one
','2026-12-04T13:10:56+00:00');
CREATE TABLE draws (
    draw_id INTEGER PRIMARY KEY,
    cycle TEXT NOT NULL,
    seed TEXT NOT NULL,
    n_winners INTEGER NOT NULL,
    export_id INTEGER REFERENCES exports (export_id),
    list_sha256 TEXT NOT NULL,
    winners TEXT NOT NULL,
    redraw_of INTEGER REFERENCES draws (draw_id),
    why TEXT,
    drawn_at TEXT NOT NULL
, commitment_id INTEGER REFERENCES draw_commitments (commitment_id), public_value TEXT);
INSERT INTO "draws" VALUES(1,'2026-11','ebb6b149a4edd4db9cc3615960ef4aa65aef7d99f578e50a5c68895bd9cc6338',2,4,'30972477524651211ba0bad8adc7519854da4dd5f430d2d7b5113b805b4217e1','["5983585384", "78203289048"]',NULL,NULL,'2026-12-04T13:10:56+00:00',1,NULL);
CREATE TABLE exports (
    export_id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    cycle TEXT NOT NULL,
    path TEXT,
    sha256 TEXT NOT NULL,
    n_rows INTEGER NOT NULL,
    options TEXT,
    content TEXT,
    created_at TEXT NOT NULL
);
INSERT INTO "exports" VALUES(1,'billing','2026-11','/tmp/relout/billing.csv','d339b020ec1f541970e2861d82599e70f36abce7434427a2463d1b9ce1d6ae1e',7,'{}',NULL,'2026-12-04T13:10:51+00:00');
INSERT INTO "exports" VALUES(2,'notices','2026-11','/tmp/relout/notices.csv','40f752573caf26f6e0c08bcf8a22ad8629e1fb0017270abf2e13dc6e63bc0b02',25,'{"texts": "shipped"}',NULL,'2026-12-04T13:10:52+00:00');
INSERT INTO "exports" VALUES(3,'billing','2026-11','/tmp/relout/billing.csv','db99ba05a08e096b230dcc0766bbd1585023e97be82f0333e0f201f32320d52a',8,'{}',NULL,'2026-12-04T13:10:56+00:00');
INSERT INTO "exports" VALUES(4,'draw-eligibility','2026-11','/tmp/relout/eligible.csv','30972477524651211ba0bad8adc7519854da4dd5f430d2d7b5113b805b4217e1',4,'{"exclude_past_winners": false, "guests_need_mobile": true, "public_value_source": ""}','entry,cycle,ivrs,submission_id,submitted_at,user_type,mobile,email
1,2026-11,5983585384,S000004,2026-11-01T16:30:28+05:30,registered,******1278,************n171@rediffmail.com
2,2026-11,69061283169,S000005,2026-11-01T18:40:31+05:30,registered,******1122,**********ta43@rediffmail.com
3,2026-11,7267327722,S000003,2026-11-01T14:32:00+05:30,registered,******1992,***********a696@yahoo.co.in
4,2026-11,78203289048,S000001,2026-11-01T09:27:30+05:30,registered,******8776,*********o987@yahoo.co.in
','2026-12-04T13:10:56+00:00');
INSERT INTO "exports" VALUES(5,'notices','2026-11','/tmp/relout/notices.csv','857ed84250d00487ef5f307ec1c08abb9a5e30bd81d4a417950f4478fc6d243e',24,'{"texts": "shipped"}',NULL,'2026-12-04T13:10:57+00:00');
CREATE TABLE login_attempts (
    attempt_id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    remote TEXT NOT NULL,
    ok INTEGER NOT NULL,
    attempted_at TEXT NOT NULL
);
CREATE TABLE results (
    submission_id TEXT NOT NULL,
    occurrence INTEGER NOT NULL,
    status TEXT NOT NULL,
    clear INTEGER NOT NULL,
    ocr_reading TEXT,
    confidence REAL,
    reasons TEXT,
    crop TEXT,
    kind TEXT,
    register TEXT,
    digit_confidences TEXT,
    cycle TEXT,
    units REAL,
    phash TEXT,
    crop_phash TEXT,
    phash_b0 INTEGER,
    phash_b1 INTEGER,
    phash_b2 INTEGER,
    phash_b3 INTEGER,
    reused_of TEXT,
    detail TEXT,
    pipeline_version TEXT,
    decided_at TEXT NOT NULL,
    PRIMARY KEY (submission_id, occurrence)
);
INSERT INTO "results" VALUES('S000001',0,'valid',1,'1179.7',0.9999,'','/tmp/relout/crops/S000001.png','lcd','','[1.0, 1.0, 1.0, 1.0, 1.0]','2026-11',147.0,'8f3238c7cf993232','d4b138de3066c6d9',36658,14535,53145,12850,NULL,'{"metrics": {"photo_brightness": 117.74368286132812, "photo_saturated": 0.0, "photo_std": 34.28157424926758, "photo_sharpness": 0.6420192718505859, "sharpness": 0.2223641392938378, "display_brightness": 169.55029296875, "display_contrast": 135.6714084625244, "display_saturated": 0.0, "glare_on_digits": 0.0, "digit_height_px": 72.62526586364925, "locate_score": 0.48161608553009877, "clean_cells": 1.0}, "timings": {"load": 0.03866299100627657, "quality": 0.0376435610014596, "locate": 0.20562186100141844, "read": 0.033598318994336296}, "error": "", "digit_alternatives": [{"1": 1.0}, {"1": 1.0}, {"7": 1.0}, {"9": 1.0}, {"7": 1.0}], "width": 1600, "height": 1200, "reader": "classic"}','0.1.0','2026-12-04T13:10:34+00:00');
INSERT INTO "results" VALUES('S000002',0,'flagged',1,'06177.7',0.1393,'LOW_CONFIDENCE','/tmp/relout/crops/S000002.png','drum','','[0.6676, 0.9928, 0.2379, 0.9948, 0.9739, 0.9119]','2026-11',244.0,'f119d9998c666399','a07896ef96962197',61721,55705,35942,25497,NULL,'{"metrics": {"photo_brightness": 162.31552124023438, "photo_saturated": 0.0, "photo_std": 22.039567947387695, "photo_sharpness": 0.6589529514312744, "sharpness": 0.16518557175971466, "display_brightness": 89.4865951538086, "display_contrast": 115.00813354492186, "display_saturated": 0.0, "glare_on_digits": 0.0, "digit_height_px": 30.054446424481153, "locate_score": 0.6420133730872212, "clean_cells": 1.0}, "timings": {"load": 0.03232424699672265, "quality": 0.02071224999963306, "locate": 0.039155848004156724, "read": 0.8606775259977439}, "error": "", "digit_alternatives": [{"0": 0.6676, "none": 0.3294}, {"6": 0.9928}, {"none": 0.762, "1": 0.2379}, {"7": 0.9948}, {"7": 0.9739, "1": 0.0257}, {"7": 0.9119, "1": 0.084}], "width": 1600, "height": 1200, "reader": "classic"}','0.1.0','2026-12-04T13:10:35+00:00');
INSERT INTO "results" VALUES('S000003',0,'valid',1,'07315.63',0.9999,'','/tmp/relout/crops/S000003.png','lcd','','[1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]','2026-11',216.0,'e1da969698989e66','fe3230ce3093d69a',57818,38550,39064,40550,NULL,'{"metrics": {"photo_brightness": 187.14004516601562, "photo_saturated": 0.0, "photo_std": 54.91804122924805, "photo_sharpness": 0.6700543165206909, "sharpness": 0.16078095966299813, "display_brightness": 151.79840087890625, "display_contrast": 112.62344123840333, "display_saturated": 0.0, "glare_on_digits": 0.0, "digit_height_px": 34.13360696555115, "locate_score": 0.9354462216384377, "clean_cells": 1.0}, "timings": {"load": 0.02060787000664277, "quality": 0.008361995998711791, "locate": 0.050295943998207804, "read": 0.025408348999917507}, "error": "", "digit_alternatives": [{"0": 1.0}, {"7": 1.0}, {"3": 1.0}, {"1": 1.0}, {"5": 1.0}, {"6": 1.0}, {"3": 1.0}], "width": 800, "height": 600, "reader": "classic"}','0.1.0','2026-12-04T13:10:35+00:00');
INSERT INTO "results" VALUES('S000004',0,'valid',1,'2239',1.0,'','/tmp/relout/crops/S000004.png','lcd','','[1.0, 1.0, 1.0, 1.0]','2026-11',365.0,'e619001dfce7c31e','fa3e893987629c49',58905,29,64743,49950,NULL,'{"metrics": {"photo_brightness": 161.6668243408203, "photo_saturated": 0.0002666666666666667, "photo_std": 40.60873031616211, "photo_sharpness": 0.6992058157920837, "sharpness": 0.28996649422947646, "display_brightness": 171.38783264160156, "display_contrast": 137.17000198364258, "display_saturated": 0.0, "glare_on_digits": 0.0, "digit_height_px": 80.90792883720331, "locate_score": 0.7733311207450575, "clean_cells": 1.0}, "timings": {"load": 0.025868863995128777, "quality": 0.01621107099344954, "locate": 0.03305553300015163, "read": 0.021531231002882123}, "error": "", "digit_alternatives": [{"2": 1.0}, {"2": 1.0}, {"3": 1.0}, {"9": 1.0}], "width": 1200, "height": 1600, "reader": "classic"}','0.1.0','2026-12-04T13:10:35+00:00');
INSERT INTO "results" VALUES('S000005',0,'valid',1,'11790.5',1.0,'','/tmp/relout/crops/S000005.png','drum','','[1.0, 1.0, 1.0, 1.0, 1.0, 1.0]','2026-11',2526.0,'9740c73de2c13c1f','b86cce649b8b64c6',38720,51005,58049,15391,NULL,'{"metrics": {"photo_brightness": 194.6199951171875, "photo_saturated": 0.00014166666666666668, "photo_std": 29.92965316772461, "photo_sharpness": 0.6519739627838135, "sharpness": 0.19779786249143871, "display_brightness": 152.59437561035156, "display_contrast": 216.93699645996094, "display_saturated": 0.0, "glare_on_digits": 0.0, "digit_height_px": 71.15124881294165, "locate_score": 0.9312215882235486, "clean_cells": 1.0}, "timings": {"load": 0.09087076099967817, "quality": 0.02118454700394068, "locate": 0.03628098699846305, "read": 0.018315187997359317}, "error": "", "digit_alternatives": [{"1": 1.0}, {"1": 1.0}, {"7": 1.0}, {"9": 1.0}, {"0": 1.0}, {"5": 1.0}], "width": 4000, "height": 3000, "reader": "classic"}','0.1.0','2026-12-04T13:10:35+00:00');
INSERT INTO "results" VALUES('S000006',0,'valid',1,'00617',0.9999,'','/tmp/relout/crops/S000006.png','lcd','','[1.0, 1.0, 1.0, 1.0, 0.9999]','2026-11',333.0,'d5e71e9819656664','f8d9cecf31346430',54759,7832,6501,26212,NULL,'{"metrics": {"photo_brightness": 175.5669403076172, "photo_saturated": 0.0, "photo_std": 17.01342010498047, "photo_sharpness": 0.6462589502334595, "sharpness": 0.20674395601516343, "display_brightness": 168.36727905273438, "display_contrast": 131.1695595550537, "display_saturated": 0.0, "glare_on_digits": 0.0, "digit_height_px": 59.30625198249684, "locate_score": 0.559676827041543, "clean_cells": 1.0}, "timings": {"load": 0.009033944996190257, "quality": 0.01447060400096234, "locate": 0.03481549799471395, "read": 0.018654792002053}, "error": "", "digit_alternatives": [{"0": 1.0}, {"0": 1.0}, {"6": 1.0}, {"1": 1.0}, {"7": 0.9999}], "width": 1200, "height": 1600, "reader": "classic"}','0.1.0','2026-12-04T13:10:35+00:00');
INSERT INTO "results" VALUES('S000007',0,'valid',1,'50437.9',1.0,'','/tmp/relout/crops/S000007.png','lcd','','[1.0, 1.0, 1.0, 1.0, 1.0, 1.0]','2026-11',44379.0,'cc92936e9a6d9525','df966838313cc6d4',52370,37742,39533,38181,NULL,'{"metrics": {"photo_brightness": 174.5384521484375, "photo_saturated": 0.0, "photo_std": 36.901424407958984, "photo_sharpness": 0.6574450731277466, "sharpness": 0.1779322504205267, "display_brightness": 163.52230834960938, "display_contrast": 127.46099853515625, "display_saturated": 0.0, "glare_on_digits": 0.0, "digit_height_px": 51.77420263374879, "locate_score": 0.9782407268786284, "clean_cells": 1.0}, "timings": {"load": 0.008274055995570961, "quality": 0.013023774001339916, "locate": 0.02862633099721279, "read": 0.019071091002842877}, "error": "", "digit_alternatives": [{"5": 1.0}, {"0": 1.0}, {"4": 1.0}, {"3": 1.0}, {"7": 1.0}, {"9": 1.0}], "width": 1600, "height": 1200, "reader": "classic"}','0.1.0','2026-12-04T13:10:35+00:00');
INSERT INTO "results" VALUES('S000008',0,'flagged',1,'4938.4',0.9998,'MISMATCH_ONE_DIGIT;BELOW_PREVIOUS','/tmp/relout/crops/S000008.png','lcd','','[1.0, 1.0, 1.0, 0.9998, 1.0]','2026-11',-397.0,'915c6eb3aa32366a','fe7a897a85e0c185',37212,28339,43570,13930,NULL,'{"metrics": {"photo_brightness": 181.58590698242188, "photo_saturated": 0.00405, "photo_std": 31.34266471862793, "photo_sharpness": 0.7042269110679626, "sharpness": 0.2204644504663688, "display_brightness": 160.48228454589844, "display_contrast": 108.02800750732422, "display_saturated": 0.0, "glare_on_digits": 0.0, "digit_height_px": 42.94026715385003, "locate_score": 0.7476686851583145, "clean_cells": 1.0}, "timings": {"load": 0.008081359999778215, "quality": 0.012472585003706627, "locate": 0.029128025998943485, "read": 0.01739862500107847}, "error": "", "digit_alternatives": [{"4": 1.0}, {"9": 1.0}, {"3": 1.0}, {"8": 0.9998}, {"4": 1.0}], "width": 1600, "height": 1200, "reader": "classic"}','0.1.0','2026-12-04T13:10:35+00:00');
INSERT INTO "results" VALUES('S000009',0,'flagged',1,'00621.4',1.0,'MISMATCH_SWAPPED_DIGITS;BELOW_PREVIOUS','/tmp/relout/crops/S000009.png','drum','','[1.0, 1.0, 1.0, 1.0, 1.0, 1.0]','2026-11',-233.0,'999966666666929b','f4218b38cecf21cb',39321,26214,26214,37531,NULL,'{"metrics": {"photo_brightness": 97.21239471435547, "photo_saturated": 0.003425, "photo_std": 43.76718521118164, "photo_sharpness": 0.7018352746963501, "sharpness": 0.21170506448381785, "display_brightness": 161.05303955078125, "display_contrast": 199.8499927520752, "display_saturated": 0.0, "glare_on_digits": 0.0, "digit_height_px": 38.20242130113899, "locate_score": 0.9678481548004708, "clean_cells": 1.0}, "timings": {"load": 0.013990751001983881, "quality": 0.015098288000444882, "locate": 0.04862307800067356, "read": 0.019248945005529094}, "error": "", "digit_alternatives": [{"0": 1.0}, {"0": 1.0}, {"6": 1.0}, {"2": 1.0}, {"1": 1.0}, {"4": 1.0}], "width": 1600, "height": 1200, "reader": "classic"}','0.1.0','2026-12-04T13:10:35+00:00');
INSERT INTO "results" VALUES('S000010',0,'flagged',1,'41820.5',0.9994,'MISMATCH_MISSING_DIGIT;BELOW_PREVIOUS','/tmp/relout/crops/S000010.png','lcd','','[1.0, 1.0, 0.9994, 1.0, 1.0, 1.0]','2026-11',-39934.0,'84637bcc669a6966','a86a9f698795c487',33891,31692,26266,26982,NULL,'{"metrics": {"photo_brightness": 204.71734619140625, "photo_saturated": 0.0009583333333333333, "photo_std": 26.915164947509766, "photo_sharpness": 0.5657113790512085, "sharpness": 0.15744734289112677, "display_brightness": 172.10208129882812, "display_contrast": 145.44099807739258, "display_saturated": 0.0, "glare_on_digits": 0.0, "digit_height_px": 52.77349039440954, "locate_score": 0.8455041331702945, "clean_cells": 1.0}, "timings": {"load": 0.007089335995260626, "quality": 0.014426197994907852, "locate": 0.031950570999470074, "read": 0.01911643799394369}, "error": "", "digit_alternatives": [{"4": 1.0}, {"1": 1.0}, {"8": 0.9994}, {"2": 1.0}, {"0": 1.0}, {"5": 1.0}], "width": 1200, "height": 1600, "reader": "classic"}','0.1.0','2026-12-04T13:10:35+00:00');
INSERT INTO "results" VALUES('S000011',0,'flagged',1,'0408.6',0.9876,'MISMATCH_EXTRA_DIGIT;HIGH_CONSUMPTION','/tmp/relout/crops/S000011.png','lcd','','[1.0, 1.0, 1.0, 0.9876, 1.0]','2026-11',4132.0,'93cc3cc33cc6c33c','969769ce616a3869',37836,15555,15558,49980,NULL,'{"metrics": {"photo_brightness": 72.96379089355469, "photo_saturated": 0.0, "photo_std": 18.728872299194336, "photo_sharpness": 0.6996157169342041, "sharpness": 0.2412024229821683, "display_brightness": 147.1972198486328, "display_contrast": 132.824898147583, "display_saturated": 0.0, "glare_on_digits": 0.0, "digit_height_px": 54.043201098519944, "locate_score": 0.9935770667773751, "clean_cells": 1.0}, "timings": {"load": 0.018928028002846986, "quality": 0.013575774995842949, "locate": 0.07713715200225124, "read": 0.01615443699847674}, "error": "", "digit_alternatives": [{"0": 1.0}, {"4": 1.0}, {"0": 1.0}, {"8": 0.9876, "none": 0.0113}, {"6": 1.0}], "width": 1600, "height": 1200, "reader": "classic"}','0.1.0','2026-12-04T13:10:35+00:00');
INSERT INTO "results" VALUES('S000012',0,'flagged',1,'0003975.3',0.9997,'MISMATCH_DECIMAL;BELOW_PREVIOUS','/tmp/relout/crops/S000012.png','lcd','','[1.0, 1.0, 1.0, 0.9998, 1.0, 1.0, 1.0, 0.9999]','2026-11',-1492.47,'c4d28bb5b149ad4b','dfd03cc934656538',50386,35765,45385,44363,NULL,'{"metrics": {"photo_brightness": 137.60922241210938, "photo_saturated": 0.0008, "photo_std": 32.85490036010742, "photo_sharpness": 0.5869417786598206, "sharpness": 0.17458445524749094, "display_brightness": 194.5061492919922, "display_contrast": 149.80873336791993, "display_saturated": 0.0, "glare_on_digits": 0.0, "digit_height_px": 60.192875016454444, "locate_score": 0.9528415696036274, "clean_cells": 1.0}, "timings": {"load": 0.0076009459953638725, "quality": 0.01450024799851235, "locate": 0.04039920699869981, "read": 0.025039560998266097}, "error": "", "digit_alternatives": [{"0": 1.0}, {"0": 1.0}, {"0": 1.0}, {"3": 0.9998}, {"9": 1.0}, {"7": 1.0}, {"5": 1.0}, {"3": 0.9999}], "width": 1600, "height": 1200, "reader": "classic"}','0.1.0','2026-12-04T13:10:35+00:00');
INSERT INTO "results" VALUES('S000013',0,'flagged',1,'055738.8',0.9981,'MISMATCH_PREVIOUS_READING','/tmp/relout/crops/S000013.png','drum','kWh','[1.0, 1.0, 1.0, 1.0, 1.0, 0.9998, 0.9984]','2026-11',0.0,'c7ce3831c7c6c638','c032cbdacbcb3469',51150,14385,51142,50744,NULL,'{"metrics": {"photo_brightness": 109.22608947753906, "photo_saturated": 0.0, "photo_std": 38.15412521362305, "photo_sharpness": 0.6051859855651855, "sharpness": 0.1640871267081086, "display_brightness": 93.48021697998047, "display_contrast": 113.64799499511719, "display_saturated": 0.0, "glare_on_digits": 0.0, "digit_height_px": 48.664756281023365, "locate_score": 0.8767552229252968, "clean_cells": 1.0}, "timings": {"load": 0.018161999993026257, "quality": 0.014727085996128153, "locate": 0.05747271899599582, "read": 0.12550660299893934}, "error": "", "digit_alternatives": [{"0": 1.0}, {"5": 1.0}, {"5": 1.0}, {"7": 1.0}, {"3": 1.0}, {"8": 0.9998}, {"8": 0.9984}], "width": 1600, "height": 1200, "reader": "classic"}','0.1.0','2026-12-04T13:10:35+00:00');
INSERT INTO "results" VALUES('S000014',0,'flagged',1,'10367.9',0.9998,'MISMATCH_OTHER;HIGH_CONSUMPTION','/tmp/relout/crops/S000014.png','lcd','kWh','[1.0, 1.0, 0.9999, 1.0, 1.0, 1.0]','2026-11',61492.0,'9cec43e55a15b44b','e16c9c9a3238db33',40172,17381,23061,46155,NULL,'{"metrics": {"photo_brightness": 156.82888793945312, "photo_saturated": 0.0, "photo_std": 13.796849250793457, "photo_sharpness": 0.623897910118103, "sharpness": 0.20582254097443348, "display_brightness": 169.77044677734375, "display_contrast": 136.19799423217773, "display_saturated": 0.0, "glare_on_digits": 0.0, "digit_height_px": 55.79044237254171, "locate_score": 0.9748967142348571, "clean_cells": 1.0}, "timings": {"load": 0.011092733999248594, "quality": 0.016757091994804796, "locate": 0.036953285001800396, "read": 0.37588879100076156}, "error": "", "digit_alternatives": [{"1": 1.0}, {"0": 1.0}, {"3": 0.9999}, {"6": 1.0}, {"7": 1.0}, {"9": 1.0}], "width": 1600, "height": 1200, "reader": "classic"}','0.1.0','2026-12-04T13:10:36+00:00');
INSERT INTO "results" VALUES('S000015',0,'rejected',0,'',0.0,'BLURRED;NOT_A_METER','','','','[]','2026-11',NULL,'931c6c5b766d4992','',37660,27739,30317,18834,NULL,'{"metrics": {"photo_brightness": 119.44144439697266, "photo_saturated": 0.0, "photo_std": 22.36090850830078, "photo_sharpness": 0.31113144755363464}, "timings": {"load": 0.016041448994656093, "quality": 0.009090599000046495, "locate": 0.022820483005489223}, "error": "", "digit_alternatives": [], "width": 1600, "height": 1200, "reader": "classic"}','0.1.0','2026-12-04T13:10:36+00:00');
INSERT INTO "results" VALUES('S000016',0,'rejected',0,'',0.0,'TOO_DARK','','','','[]','2026-11',NULL,'9a9a646793666565','',39578,25703,37734,25957,NULL,'{"metrics": {"photo_brightness": 16.9057674407959, "photo_saturated": 0.0, "photo_std": 7.083415985107422}, "timings": {"load": 0.017925618994922843, "quality": 0.004734205002023373}, "error": "", "digit_alternatives": [], "width": 1600, "height": 1200, "reader": "classic"}','0.1.0','2026-12-04T13:10:36+00:00');
INSERT INTO "results" VALUES('S000017',0,'rejected',0,'',0.0,'OVEREXPOSED','','','','[]','2026-11',NULL,'83e73c39c01fc378','',33767,15417,49183,50040,NULL,'{"metrics": {"photo_brightness": 246.95433044433594, "photo_saturated": 0.11768333333333333, "photo_std": 5.764914035797119}, "timings": {"load": 0.01624143599474337, "quality": 0.00517376799689373}, "error": "", "digit_alternatives": [], "width": 1600, "height": 1200, "reader": "classic"}','0.1.0','2026-12-04T13:10:36+00:00');
INSERT INTO "results" VALUES('S000018',0,'rejected',0,'',0.0,'GLARE_ON_DIGITS','/tmp/relout/crops/S000018.png','lcd','','[]','2026-11',NULL,'b6becd3131b13132','9f967a3a6279244a',46782,52529,12721,12594,NULL,'{"metrics": {"photo_brightness": 175.24082946777344, "photo_saturated": 0.004675, "photo_std": 54.865478515625, "photo_sharpness": 0.6343343257904053, "sharpness": 0.1175814955243543, "display_brightness": 247.22409057617188, "display_contrast": 182.910302734375, "display_saturated": 0.3733845289380034, "glare_on_digits": 3.2879966817876345, "digit_height_px": 48.68870376847778, "locate_score": 0.4776159709878015, "clean_cells": 0.5714285714285714}, "timings": {"load": 0.018074600004183594, "quality": 0.01345945199864218, "locate": 0.036086136002268177}, "error": "", "digit_alternatives": [], "width": 1600, "height": 1200, "reader": "classic"}','0.1.0','2026-12-04T13:10:36+00:00');
INSERT INTO "results" VALUES('S000019',0,'rejected',0,'',0.0,'DISPLAY_CUT_OFF','/tmp/relout/crops/S000019.png','lcd','','[]','2026-11',NULL,'b469555aaa5a5555','8f8f31b6336c4c70',46185,21850,43610,21845,NULL,'{"metrics": {"photo_brightness": 77.17821502685547, "photo_saturated": 0.0, "photo_std": 10.085206031799316, "photo_sharpness": 0.6986720561981201, "sharpness": 0.2507604910337235, "display_brightness": 131.250244140625, "display_contrast": 94.96274581909177, "display_saturated": 0.0, "glare_on_digits": 0.0, "digit_height_px": 51.332522008107595, "locate_score": 0.3, "clean_cells": 1.0}, "timings": {"load": 0.020486114000959788, "quality": 0.018622975003381725, "locate": 0.09255162000044947}, "error": "", "digit_alternatives": [], "width": 1600, "height": 1200, "reader": "classic"}','0.1.0','2026-12-04T13:10:36+00:00');
INSERT INTO "results" VALUES('S000020',0,'rejected',0,'',0.0,'DIGITS_TOO_SMALL','/tmp/relout/crops/S000020.png','lcd','','[]','2026-11',NULL,'9b9b64649b9b6464','978728872869d77a',39835,25700,39835,25700,NULL,'{"metrics": {"photo_brightness": 88.74629974365234, "photo_saturated": 1.6666666666666667e-05, "photo_std": 12.686448097229004, "photo_sharpness": 0.6999840140342712, "sharpness": 0.10675860623898278, "display_brightness": 229.74496459960938, "display_contrast": 137.67999267578125, "display_saturated": 0.0036444528587656192, "glare_on_digits": 0.0, "digit_height_px": 9.54063538044208, "locate_score": 0.5191327908163361, "clean_cells": 1.0}, "timings": {"load": 0.020135202998062596, "quality": 0.01746736900531687, "locate": 0.16873743700125488}, "error": "", "digit_alternatives": [], "width": 1600, "height": 1200, "reader": "classic"}','0.1.0','2026-12-04T13:10:36+00:00');
INSERT INTO "results" VALUES('S000021',0,'rejected',0,'',0.0,'BLURRED;NOT_A_METER','','','','[]','2026-11',NULL,'8c92667738566b8b','',35986,26231,14422,27531,NULL,'{"metrics": {"photo_brightness": 179.47970581054688, "photo_saturated": 0.0, "photo_std": 19.29427146911621, "photo_sharpness": 0.3676680028438568}, "timings": {"load": 0.024389194994000718, "quality": 0.01303686400206061, "locate": 0.04361312299442943}, "error": "", "digit_alternatives": [], "width": 1600, "height": 1200, "reader": "classic"}','0.1.0','2026-12-04T13:10:36+00:00');
INSERT INTO "results" VALUES('S000022',0,'rejected',0,'',0.0,'PHOTO_EMPTY','','','','[]','2026-11',NULL,'','',NULL,NULL,NULL,NULL,NULL,'{"metrics": {}, "timings": {"load": 8.12199868960306e-06}, "error": "the photo file is empty (0 bytes)", "digit_alternatives": [], "width": 0, "height": 0, "reader": "classic"}','0.1.0','2026-12-04T13:10:36+00:00');
INSERT INTO "results" VALUES('S000023',0,'rejected',0,'',0.0,'PHOTO_TRUNCATED','','','','[]','2026-11',NULL,'','',NULL,NULL,NULL,NULL,NULL,'{"metrics": {}, "timings": {"load": 0.0042785590048879385}, "error": "the image is truncated or corrupt (image file is truncated (7 bytes not processed))", "digit_alternatives": [], "width": 0, "height": 0, "reader": "classic"}','0.1.0','2026-12-04T13:10:36+00:00');
INSERT INTO "results" VALUES('S000024',0,'rejected',0,'',0.0,'PHOTO_NOT_AN_IMAGE','','','','[]','2026-11',NULL,'','',NULL,NULL,NULL,NULL,NULL,'{"metrics": {}, "timings": {"load": 2.090100315399468e-05}, "error": "the file is not a JPEG/PNG/WebP/HEIC image", "digit_alternatives": [], "width": 0, "height": 0, "reader": "classic"}','0.1.0','2026-12-04T13:10:36+00:00');
INSERT INTO "results" VALUES('S000025',0,'rejected',0,'',0.0,'PHOTO_MISSING','','','','[]','2026-11',NULL,'','',NULL,NULL,NULL,NULL,NULL,'{"metrics": {}, "timings": {}, "error": "photos/S000025.jpg not found", "digit_alternatives": [], "width": 0, "height": 0, "reader": "classic"}','0.1.0','2026-12-04T13:10:36+00:00');
INSERT INTO "results" VALUES('S000026',0,'rejected',0,'',0.0,'PHOTO_PATH_OUTSIDE_BATCH','','','','[]','2026-11',NULL,'','',NULL,NULL,NULL,NULL,NULL,'{"metrics": {}, "timings": {}, "error": "", "digit_alternatives": [], "width": 0, "height": 0, "reader": "classic"}','0.1.0','2026-12-04T13:10:36+00:00');
INSERT INTO "results" VALUES('S000027',0,'rejected',0,'',0.0,'PHOTO_TOO_LARGE','','','','[]','2026-11',NULL,'','',NULL,NULL,NULL,NULL,NULL,'{"metrics": {}, "timings": {"load": 0.00019680300465552136}, "error": "8000x8000 pixels is too large: over the 60,000,000 pixel limit", "digit_alternatives": [], "width": 8000, "height": 8000, "reader": "classic"}','0.1.0','2026-12-04T13:10:36+00:00');
INSERT INTO "results" VALUES('S000028',0,'rejected',1,'215.9',1.0,'NOT_KWH_REGISTER;MISMATCH_OTHER','/tmp/relout/crops/S000028.png','lcd','V','[1.0, 1.0, 1.0, 1.0]','2026-11',219.0,'e5499a24da996d63','8ace3c3c323cd33c',58697,39460,55961,28003,NULL,'{"metrics": {"photo_brightness": 158.2408905029297, "photo_saturated": 0.0007166666666666667, "photo_std": 45.44122314453125, "photo_sharpness": 0.6442036628723145, "sharpness": 0.20444146414034647, "display_brightness": 166.01470947265625, "display_contrast": 130.88999938964844, "display_saturated": 0.0, "glare_on_digits": 0.0, "digit_height_px": 61.279444443404095, "locate_score": 0.3196687200742583, "clean_cells": 1.0}, "timings": {"load": 0.018155570003727917, "quality": 0.02388319199963007, "locate": 0.06098689200007357, "read": 0.30181125599483494}, "error": "", "digit_alternatives": [{"2": 1.0}, {"1": 1.0}, {"5": 1.0}, {"9": 1.0}], "width": 1600, "height": 1200, "reader": "classic"}','0.1.0','2026-12-04T13:10:36+00:00');
INSERT INTO "results" VALUES('S000029',0,'rejected',1,'0000383',0.9985,'OUTSIDE_WINDOW','/tmp/relout/crops/S000029.png','lcd','','[1.0, 1.0, 1.0, 1.0, 1.0, 0.9985, 1.0]','2026-11',167.0,'c033373f3b38380f','e8689e6a35701fe1',49203,14143,15160,14351,NULL,'{"metrics": {"photo_brightness": 159.5483856201172, "photo_saturated": 0.0, "photo_std": 51.183876037597656, "photo_sharpness": 0.6917148232460022, "sharpness": 0.25283005921780777, "display_brightness": 173.4071502685547, "display_contrast": 137.7671220397949, "display_saturated": 0.0, "glare_on_digits": 0.0, "digit_height_px": 59.753444489139994, "locate_score": 0.982041314176905, "clean_cells": 1.0}, "timings": {"load": 0.05516726300265873, "quality": 0.01162661999114789, "locate": 0.03457752500253264, "read": 0.020066921002580784}, "error": "", "digit_alternatives": [{"0": 1.0}, {"0": 1.0}, {"0": 1.0}, {"0": 1.0}, {"3": 1.0}, {"8": 0.9985}, {"3": 1.0}], "width": 1600, "height": 1200, "reader": "classic"}','0.1.0','2026-12-04T13:10:36+00:00');
INSERT INTO "results" VALUES('S000030',0,'rejected',1,'42348',0.9999,'BAD_TIMESTAMP','/tmp/relout/crops/S000030.png','lcd','','[1.0, 1.0, 1.0, 1.0, 0.9999]','',155.0,'a9d4f0c39a3427cb','91857b0a782e7b4b',43476,61635,39476,10187,NULL,'{"metrics": {"photo_brightness": 119.23017120361328, "photo_saturated": 5.833333333333333e-05, "photo_std": 29.721757888793945, "photo_sharpness": 0.6935679912567139, "sharpness": 0.2715571585273886, "display_brightness": 165.37925720214844, "display_contrast": 129.6970157623291, "display_saturated": 0.0, "glare_on_digits": 0.0, "digit_height_px": 88.1109605203155, "locate_score": 0.9922605499758284, "clean_cells": 1.0}, "timings": {"load": 0.01609472799464129, "quality": 0.014609261001169216, "locate": 0.058924447002937086, "read": 0.03698110699770041}, "error": "", "digit_alternatives": [{"4": 1.0}, {"2": 1.0}, {"3": 1.0}, {"4": 1.0}, {"8": 0.9999}], "width": 1600, "height": 1200, "reader": "classic"}','0.1.0','2026-12-04T13:10:36+00:00');
INSERT INTO "results" VALUES('S000031',0,'rejected',1,'117542.5',1.0,'UNKNOWN_IVRS','/tmp/relout/crops/S000031.png','lcd','','[1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]','2026-11',NULL,'b4c95659669b4936','c0c03b4a3e3b953f',46281,22105,26267,18742,NULL,'{"metrics": {"photo_brightness": 101.32299041748047, "photo_saturated": 0.0011666666666666668, "photo_std": 16.883710861206055, "photo_sharpness": 0.6759461164474487, "sharpness": 0.18962241046698092, "display_brightness": 166.56558227539062, "display_contrast": 122.2785637664795, "display_saturated": 0.0, "glare_on_digits": 0.0, "digit_height_px": 33.50556329138634, "locate_score": 0.9538857298490812, "clean_cells": 1.0}, "timings": {"load": 0.032079392003652174, "quality": 0.026540361002844293, "locate": 0.052149379000184126, "read": 0.044669142000202555}, "error": "", "digit_alternatives": [{"1": 1.0}, {"1": 1.0}, {"7": 1.0}, {"5": 1.0}, {"4": 1.0}, {"2": 1.0}, {"5": 1.0}], "width": 1600, "height": 1200, "reader": "classic"}','0.1.0','2026-12-04T13:10:36+00:00');
INSERT INTO "results" VALUES('S000032',0,'rejected',1,'0041822',1.0,'TYPED_NOT_A_NUMBER','/tmp/relout/crops/S000032.png','drum','','[1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]','2026-11',NULL,'a4cd69314c718fdc','a83c8796c2d23da7',42189,26929,19569,36828,NULL,'{"metrics": {"photo_brightness": 204.56407165527344, "photo_saturated": 0.0, "photo_std": 24.431018829345703, "photo_sharpness": 0.5648694634437561, "sharpness": 0.12461888576080418, "display_brightness": 109.86184692382812, "display_contrast": 186.6780080795288, "display_saturated": 0.0, "glare_on_digits": 0.0, "digit_height_px": 42.98892201156461, "locate_score": 0.9806168694778569, "clean_cells": 1.0}, "timings": {"load": 0.040387218999967445, "quality": 0.047453339997446164, "locate": 0.08658104600181105, "read": 0.04379422700003488}, "error": "", "digit_alternatives": [{"0": 1.0}, {"0": 1.0}, {"4": 1.0}, {"1": 1.0}, {"8": 1.0}, {"2": 1.0}, {"2": 1.0}], "width": 1600, "height": 1200, "reader": "classic"}','0.1.0','2026-12-04T13:10:37+00:00');
INSERT INTO "results" VALUES('S000033',0,'flagged',1,'0002739.9',1.0,'BELOW_PREVIOUS','/tmp/relout/crops/S000033.png','lcd','','[1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]','2026-11',-255.0,'9c636b8498336db3','d4f0c6cb316ccd92',40035,27524,38963,28083,NULL,'{"metrics": {"photo_brightness": 144.8829803466797, "photo_saturated": 0.00215, "photo_std": 37.463645935058594, "photo_sharpness": 0.5798752307891846, "sharpness": 0.17838393660051172, "display_brightness": 161.87799072265625, "display_contrast": 144.15272003173828, "display_saturated": 0.0, "glare_on_digits": 0.0, "digit_height_px": 70.16159174539897, "locate_score": 0.9093669675199634, "clean_cells": 1.0}, "timings": {"load": 0.016359912006009836, "quality": 0.02055532699887408, "locate": 0.11058400700130733, "read": 0.04843630499817664}, "error": "", "digit_alternatives": [{"0": 1.0}, {"0": 1.0}, {"0": 1.0}, {"2": 1.0}, {"7": 1.0}, {"3": 1.0}, {"9": 1.0}, {"9": 1.0}], "width": 1600, "height": 1200, "reader": "classic"}','0.1.0','2026-12-04T13:10:37+00:00');
INSERT INTO "results" VALUES('S000034',0,'flagged',1,'25454',1.0,'HIGH_CONSUMPTION','/tmp/relout/crops/S000034.png','lcd','','[1.0, 1.0, 1.0, 1.0, 1.0]','2026-11',9771.0,'91f34cb033cf4c33','ad629c7897349b92',37363,19632,13263,19507,NULL,'{"metrics": {"photo_brightness": 168.97105407714844, "photo_saturated": 0.0, "photo_std": 19.957881927490234, "photo_sharpness": 0.6898936033248901, "sharpness": 0.23997141098547456, "display_brightness": 159.01243591308594, "display_contrast": 135.0907262420654, "display_saturated": 0.0, "glare_on_digits": 0.0, "digit_height_px": 58.63160868452163, "locate_score": 0.8736962600572916, "clean_cells": 1.0}, "timings": {"load": 0.037778532001539133, "quality": 0.024905901998863555, "locate": 0.059734150003350805, "read": 0.030350603999977466}, "error": "", "digit_alternatives": [{"2": 1.0}, {"5": 1.0}, {"4": 1.0}, {"5": 1.0}, {"4": 1.0}], "width": 1600, "height": 1200, "reader": "classic"}','0.1.0','2026-12-04T13:10:37+00:00');
INSERT INTO "results" VALUES('S000035',0,'flagged',1,'11790.5',1.0,'PHOTO_REUSED','/tmp/relout/crops/S000035.png','drum','','[1.0, 1.0, 1.0, 1.0, 1.0, 1.0]','2026-11',84.0,'9740c73de2c13c1f','b96cce649b8b6486',38720,51005,58049,15391,'S000005','{"metrics": {"photo_brightness": 194.6251678466797, "photo_saturated": 5.833333333333333e-05, "photo_std": 29.913593292236328, "photo_sharpness": 0.6509215831756592, "sharpness": 0.19743168785965154, "display_brightness": 151.59671020507812, "display_contrast": 216.88162242889402, "display_saturated": 0.0, "glare_on_digits": 0.0, "digit_height_px": 71.78564432796128, "locate_score": 0.9337586663046691, "clean_cells": 1.0}, "timings": {"load": 0.11117648700019345, "quality": 0.030932567999116145, "locate": 0.05596260499441996, "read": 0.03234969499317231}, "error": "", "digit_alternatives": [{"1": 1.0}, {"1": 1.0}, {"7": 1.0}, {"9": 1.0}, {"0": 1.0}, {"5": 1.0}], "width": 2104, "height": 1578, "reader": "classic"}','0.1.0','2026-12-04T13:10:37+00:00');
INSERT INTO "results" VALUES('S000006',1,'rejected',0,'',0.0,'DUPLICATE_SUBMISSION_ID','','','','[]','2026-11',NULL,'','',NULL,NULL,NULL,NULL,NULL,'{"metrics": {}, "timings": {}, "error": "", "digit_alternatives": [], "width": 0, "height": 0, "reader": "classic"}','0.1.0','2026-12-04T13:10:37+00:00');
INSERT INTO "results" VALUES('S000037',0,'rejected',1,'32678',0.9981,'MISSING_FIELD','/tmp/relout/crops/S000037.png','lcd','','[1.0, 1.0, 1.0, 1.0, 0.9981]','',145.0,'b49c8f438a4d9b33','d0c43b0f722f926b',46236,36675,35405,39731,NULL,'{"metrics": {"photo_brightness": 187.9017791748047, "photo_saturated": 0.0, "photo_std": 59.77354049682617, "photo_sharpness": 0.6899945735931396, "sharpness": 0.23183733702336637, "display_brightness": 162.71327209472656, "display_contrast": 124.76670104980468, "display_saturated": 0.0, "glare_on_digits": 0.0, "digit_height_px": 45.82439281620467, "locate_score": 0.9246572304828108, "clean_cells": 1.0}, "timings": {"load": 0.033616396998695564, "quality": 0.025855592997686472, "locate": 0.04780893800489139, "read": 0.015519934000622015}, "error": "", "digit_alternatives": [{"3": 1.0}, {"2": 1.0}, {"6": 1.0}, {"7": 1.0}, {"8": 0.9981}], "width": 1600, "height": 1200, "reader": "classic"}','0.1.0','2026-12-04T13:10:37+00:00');
CREATE TABLE review_events (
    event_id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    kind TEXT NOT NULL,
    submission_id TEXT,
    occurrence INTEGER,
    detail TEXT
);
CREATE TABLE review_queue (
    submission_id TEXT NOT NULL,
    occurrence INTEGER NOT NULL,
    cycle TEXT NOT NULL,
    submitted_utc TEXT NOT NULL,
    ivrs TEXT NOT NULL,
    reasons TEXT NOT NULL,
    PRIMARY KEY (submission_id, occurrence)
);
CREATE TABLE review_queue_reasons (
    reason TEXT NOT NULL,
    submission_id TEXT NOT NULL,
    occurrence INTEGER NOT NULL,
    cycle TEXT NOT NULL,
    submitted_utc TEXT NOT NULL,
    PRIMARY KEY (reason, submission_id, occurrence)
);
CREATE TABLE review_sync (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE reviewers (
    reviewer_id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    active INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
INSERT INTO "reviewers" VALUES(1,'asha','reviewer','$argon2id$v=19$m=65536,t=3,p=4$UD9Kql4g9i4DDCFrPhytRw$1vrmknpKIIXOnX+siGfWiwHhXYTuAmr/BWDxffwjQJs',1,'2026-12-04T13:10:49+00:00','2026-12-04T13:10:49+00:00');
INSERT INTO "reviewers" VALUES(2,'ravi','supervisor','$argon2id$v=19$m=65536,t=3,p=4$jU8OhdAyC5w5xaVwPxYx+A$7vMz6/Deosef1cBeKjkn1nef0Op2pmZruiDQYgj/TCg',1,'2026-12-04T13:10:50+00:00','2026-12-04T13:10:50+00:00');
CREATE TABLE reviews (
    review_id INTEGER PRIMARY KEY,
    submission_id TEXT NOT NULL,
    occurrence INTEGER NOT NULL,
    action TEXT NOT NULL,
    reading_before TEXT,
    reading_after TEXT,
    reason TEXT,
    reviewer TEXT NOT NULL,
    reviewed_at TEXT NOT NULL, reading_entered TEXT, units_checked INTEGER,
    FOREIGN KEY (submission_id, occurrence) REFERENCES submissions (submission_id, occurrence)
);
INSERT INTO "reviews" VALUES(1,'S000009',0,'correct','261','621','digits swapped','ravi','2026-12-04T13:10:50+00:00','621',1);
INSERT INTO "reviews" VALUES(2,'S000010',0,'reject','1820','','neighbour''s meter','asha','2026-12-04T13:10:51+00:00',NULL,NULL);
INSERT INTO "reviews" VALUES(3,'S000008',0,'correct','4438','4938','','asha','2026-12-04T13:10:56+00:00','4938',0);
CREATE TABLE schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL);
INSERT INTO "schema_migrations" VALUES('0001_initial','2026-12-04T13:10:34+00:00');
INSERT INTO "schema_migrations" VALUES('0002_reviews_exports_draws','2026-12-04T13:10:34+00:00');
INSERT INTO "schema_migrations" VALUES('0003_reviewer_workbench','2026-12-04T13:10:34+00:00');
INSERT INTO "schema_migrations" VALUES('0004_readings_as_entered_and_draw_commitments','2026-12-04T13:10:34+00:00');
CREATE TABLE submissions (
    submission_id TEXT NOT NULL,
    occurrence INTEGER NOT NULL,
    fingerprint TEXT NOT NULL,
    batch_id INTEGER REFERENCES batches(batch_id),
    row_number INTEGER,
    ivrs TEXT,
    typed_reading TEXT,
    photo TEXT,
    photo_path TEXT,
    submitted_at TEXT,
    user_type TEXT,
    mobile TEXT,
    email TEXT, typed_reading_entered TEXT,
    PRIMARY KEY (submission_id, occurrence)
);
INSERT INTO "submissions" VALUES('S000001',0,'18e0c652e3c9077afd11b3389a55b22da5662ffe9c5022c549db8e2818a3150a',1,1,'78203289048','1179','photos/S000001.jpg','/work/main/samples/batch/photos/S000001.jpg','2026-11-01T03:57:30Z','registered','7555598776','pooja.bano987@yahoo.co.in','1179');
INSERT INTO "submissions" VALUES('S000002',0,'883914c13f13e7f57621deb152986f6cb414e1d88c5029fcd49c145bd8abac10',1,2,'2837193563','6177','photos/S000002.JPG','/work/main/samples/batch/photos/S000002.JPG','2026-11-01T11:49:58+05:30','registered','7137829402','sunita.das743@outlook.com','6177');
INSERT INTO "submissions" VALUES('S000003',0,'a780c3b61e137287dabd1c6e817f7915024dd07ce299fe61b42ceb8c994e88e0',1,3,'7267327722','07315','photos/S000003.png','/work/main/samples/batch/photos/S000003.png','2026-11-01T14:32:00','registered','9181231992','geeta.sharma696@yahoo.co.in','07315');
INSERT INTO "submissions" VALUES('S000004',0,'152c0c317af80278126a131df08d4302c33b2dee038a602f9ade733c79606a04',1,4,'5983585384','2239','photos/S000004.jpg','/work/main/samples/batch/photos/S000004.jpg','2026-11-01T16:30:28+05:30','registered','7234861278','manoj.chouhan171@rediffmail.com','2239');
INSERT INTO "submissions" VALUES('S000005',0,'9aa27a3e7229a2a0b1c8b655db31fe1e362a50e3aebe761f37aa32ef0722d8f1',1,5,'69061283169','11790','photos/S000005.jpg','/work/main/samples/batch/photos/S000005.jpg','2026-11-01T18:40:31+05:30','registered','7290271122','anjali.gupta43@rediffmail.com','11790');
INSERT INTO "submissions" VALUES('S000006',0,'47d98aa27db6b04c120eed7d9ac771f81b4b2d0160e55462917d5d16635f7a9f',1,6,'0327241216','00617','photos/S000006.jpg','/work/main/samples/batch/photos/S000006.jpg','2026-11-01T21:30:55','guest','','rené@mail.in','00617');
INSERT INTO "submissions" VALUES('S000007',0,'283fba80f99e0e2e8bd048b39842c67e9f5f4294504e778e3705e5b8f68df9a9',1,7,'43679758061','50437','photos/S000007.jpg','/work/main/samples/batch/photos/S000007.jpg','2026-11-01T17:39:45Z','guest','','manoj.iyer214@outlook.com','50437');
INSERT INTO "submissions" VALUES('S000008',0,'b97faa69743d5bd62b8a59c6e1cd230284781e4ffdf988f0f98654f4d757eac8',1,8,'135194657076','4438','photos/S000008.jpg','/work/main/samples/batch/photos/S000008.jpg','2026-11-02T01:58:55','registered','9946116343','sunita.yadav1@rediffmail.com','4438');
INSERT INTO "submissions" VALUES('S000009',0,'51241d369871065bb1ca892d59802e4dca7fcfccdecedec0172bd2c642603c94',1,9,'70852890952','261','photos/S000009.jpg','/work/main/samples/batch/photos/S000009.jpg','2026-11-02T04:40:45','registered','8484727887','kavita.verma492@yahoo.co.in','261');
INSERT INTO "submissions" VALUES('S000010',0,'5b7a40ea27c7e0e66b54191da676c9d8f37f627b85cad5907518489ad9eff762',1,10,'63013440051','1820','photos/S000010.jpg','/work/main/samples/batch/photos/S000010.jpg','2026-11-02T07:54:57','registered','7975818095','anil.kumar404@yahoo.co.in','1820');
INSERT INTO "submissions" VALUES('S000011',0,'7e19e76c074f0ca36e564fdb436609a31f1e329219914f1407d3c624b80add1c',1,11,'28352377328','4408','photos/S000011.jpg','/work/main/samples/batch/photos/S000011.jpg','2026-11-02T10:28:28','registered','8769692227','sunita.das43@yahoo.co.in','4408');
INSERT INTO "submissions" VALUES('S000012',0,'8478230b506c0a87c0fb7dc8c2d4244e9631fd6b14ebad1a7feb61d9532919ed',1,12,'1952748292','397.53','photos/S000012.jpg','/work/main/samples/batch/photos/S000012.jpg','2026-11-02T13:20:56','registered','6608280670','imran.chouhan792@rediffmail.com','397.53');
INSERT INTO "submissions" VALUES('S000013',0,'3eb2a263abfe56f46220bd599b322ca46b888a1965677cfba072537c96c5f158',1,13,'448249891828','55581','photos/S000013.jpg','/work/main/samples/batch/photos/S000013.jpg','2026-11-02T15:12:36+05:30','guest','8732839335','deepak.chouhan438@rediffmail.com','55581');
INSERT INTO "submissions" VALUES('S000014',0,'625e3474a788d5e111abb7b7df17df45aa066db4b0674e98f655b9479d916e5b',1,14,'012818017123','70428','photos/S000014.jpg','/work/main/samples/batch/photos/S000014.jpg','2026-11-02T17:48:33+05:30','registered','7491382203','manoj.sharma633@yahoo.co.in','70428');
INSERT INTO "submissions" VALUES('S000015',0,'b504cffc7ce8d09c50befbc28f611bda1e42106a5278c92cfd3db3a642b7b3cd',1,15,'51712357697','28060','photos/S000015.jpg','/work/main/samples/batch/photos/S000015.jpg','2026-11-02T20:57:53','guest','8292684173','','28060');
INSERT INTO "submissions" VALUES('S000016',0,'72b59c104560c9f8026c82db07108047295f5e26bb165cfbd57a784e9f0127a2',1,16,'918787563157','63413','photos/S000016.jpg','/work/main/samples/batch/photos/S000016.jpg','2026-11-02T23:59:46+05:30','guest','7040819283','lakshmi.verma10@rediffmail.com','63413');
INSERT INTO "submissions" VALUES('S000017',0,'b4c6e836b29ebcf8f765c8f15b93ed9c2ede39f4adaba09cc8d9ffd92aaa65bd',1,17,'87940927323','83763','photos/S000017.jpg','/work/main/samples/batch/photos/S000017.jpg','2026-11-03T02:45:33+05:30','registered','8651988397','priya.patel816@outlook.com','83763');
INSERT INTO "submissions" VALUES('S000018',0,'9bb5c4fe11f2b04bb87cbd1eff9944d9ff4b681962c6a25c1d2428d76039a745',1,18,'6219663142','31868','photos/S000018.jpg','/work/main/samples/batch/photos/S000018.jpg','2026-11-03T06:04:47','registered','6480081644','anil.rao791@outlook.com','31868');
INSERT INTO "submissions" VALUES('S000019',0,'6a5fc88d35a4cdc19fb76a5b787b4b955f7a0dd9795fcd38697edbd8ce125a96',1,19,'25535568460','4287','photos/S000019.jpg','/work/main/samples/batch/photos/S000019.jpg','2026-11-03T08:41:16','guest','','pooja.patil549@rediffmail.com','4287');
INSERT INTO "submissions" VALUES('S000020',0,'4d145dcacfd54bb1d6b8e7e6063de86ff8b51a27fae1824e5e77371560bd1647',1,20,'014047471583','845','photos/S000020.jpg','/work/main/samples/batch/photos/S000020.jpg','2026-11-03T10:56:39','registered','9968081194','kavita.mishra480@outlook.com','845');
INSERT INTO "submissions" VALUES('S000021',0,'09e3c8c5e4c1c5e08d86c7a9868e13eb65799a2c5a0a726af2c3cdd3cc751d6c',1,21,'05988582242','57797','photos/S000021.jpg','/work/main/samples/batch/photos/S000021.jpg','2026-11-03T11:57:52','registered','9102907475','anjali.chouhan556@rediffmail.com','57797');
INSERT INTO "submissions" VALUES('S000022',0,'3e31ba418c9d8e74344f4e681d928694d13d00027fc73cc72c722a518e224344',1,22,'463959907090','2908','photos/S000022.jpg','/work/main/samples/batch/photos/S000022.jpg','2026-11-03T13:33:52','guest','7286027685','lakshmi.singh736@rediffmail.com','2908');
INSERT INTO "submissions" VALUES('S000023',0,'7d0f0fa7ccd56294180b6bbbaa2ffb3a7660aff3b95f6271d6fad19970bb7c50',1,23,'3644394610','7515','photos/S000023.jpg','/work/main/samples/batch/photos/S000023.jpg','2026-11-03T16:03:47','guest','9488844312','','7515');
INSERT INTO "submissions" VALUES('S000024',0,'89995fcd59f62f848647d86c1d1099f1df39e719df54244699d53b7ab920dad4',1,24,'52560954460','41103','photos/S000024.jpeg','/work/main/samples/batch/photos/S000024.jpeg','2026-11-03T17:25:11+05:30','registered','9500147217','imran.singh871@rediffmail.com','41103');
INSERT INTO "submissions" VALUES('S000025',0,'734c48e3943a3cbc54dba17c46d3e12f5bb31514375bafebdd81dcc87c4d9de4',1,25,'9346108819','19769','photos/S000025.jpg','/work/main/samples/batch/photos/S000025.jpg','2026-11-03T19:50:52','registered','9977255670','rajesh.das748@rediffmail.com','19769');
INSERT INTO "submissions" VALUES('S000026',0,'68a451bbc498417ddf35a50feee55662e2f5a00c2cf501e1ad11d63d2d611747',1,26,'0303838541','1106','../outside.jpg','','2026-11-03T22:55:40','registered','9678728613','imran.rao306@rediffmail.com','1106');
INSERT INTO "submissions" VALUES('S000027',0,'a507b4fb2d160e723a21c24831d35bf177d953cbf26ffe03608ca8d62ae6a722',1,27,'093556217778','11306','photos/S000027.png','/work/main/samples/batch/photos/S000027.png','2026-11-04T01:13:39','registered','7002111340','priya.tiwari760@outlook.com','11306');
INSERT INTO "submissions" VALUES('S000028',0,'2f752cb965a2683ec1c318d7a5cfd6b73a8b49c8dd5d557e57108632618ffdda',1,28,'05084882591','27658','photos/S000028.jpg','/work/main/samples/batch/photos/S000028.jpg','2026-11-03T21:20:41Z','guest','7070867824','','27658');
INSERT INTO "submissions" VALUES('S000029',0,'139f3936d0d40a4c2aab0a017b1486aa534469fdf750488c5271557ef9f3f3e8',1,29,'966757624977','0000383','photos/S000029.jpg','/work/main/samples/batch/photos/S000029.jpg','2026-11-07T10:42:00+05:30','registered','8260754257','geeta.gupta831@outlook.com','0000383');
INSERT INTO "submissions" VALUES('S000030',0,'3fbb74e023a470e7d388c41356f0ca190910cc6224e9b1a73f2a23789d510359',1,30,'74462106371','42348','photos/S000030.jpg','/work/main/samples/batch/photos/S000030.jpg','03-11-2026 14:05','guest','7465480842','priya.gupta406@outlook.com','42348');
INSERT INTO "submissions" VALUES('S000031',0,'fc16dc036cc7743f40076e700d5d937cbe61cccf3692b5cdc7018f4a42d5df05',1,31,'7278949928','117542','photos/S000031.JPG','/work/main/samples/batch/photos/S000031.JPG','2026-11-04T09:46:31','guest','7522891380','','117542');
INSERT INTO "submissions" VALUES('S000032',0,'95120e0714703fcbe81e8e074e47a4d904220e46259ad481ce3e91073a9b4ee8',1,32,'1136046335','a1822','photos/S000032.jpg','/work/main/samples/batch/photos/S000032.jpg','2026-11-04T10:49:42','guest','','','a1822');
INSERT INTO "submissions" VALUES('S000033',0,'ff362b0279d5fee680767a957d75f22e1a94525b44f3ab42bb6b8accc3fab9f9',1,33,'21345179418','2739','photos/S000033.jpg','/work/main/samples/batch/photos/S000033.jpg','2026-11-04T13:05:47+05:30','registered','8121116332','imran.rao171@yahoo.co.in','2739');
INSERT INTO "submissions" VALUES('S000034',0,'c918fa51d3a88b8309f3795b5113d7f8a9a9a3aeb839f4a095ec9753c01d9125',1,34,'78857356574','25454','photos/S000034.jpg','/work/main/samples/batch/photos/S000034.jpg','2026-11-04T14:36:00','guest','9033642753','','25454');
INSERT INTO "submissions" VALUES('S000035',0,'6261789d65c1542cc88d54b9248a11d2314151b8523b55209f319ddd7dabd039',1,35,'96255227022','11790','photos/S000035.jpg','/work/main/samples/batch/photos/S000035.jpg','2026-11-04T17:45:10+05:30','guest','9948795826','arjun.reddy6@rediffmail.com','11790');
INSERT INTO "submissions" VALUES('S000006',1,'2f17841ec7f4c125c187cd75bb04536077ecbc45d681d2af9ca1280edbbd90a5',1,36,'1710779002','1235','photos/S000006_b.jpg','/work/main/samples/batch/photos/S000006_b.jpg','2026-11-04T21:00:40+05:30','guest','','pooja.nair687@outlook.com','1235');
INSERT INTO "submissions" VALUES('S000037',0,'96abe7e0ae5729dceae337e77f8c32af37f5fa55d6acfd2fc276155ac2d26548',1,37,'213351338307','32678','photos/S000037.jpg','/work/main/samples/batch/photos/S000037.jpg','','','','','32678');
CREATE TABLE web_sessions (
    token_hash TEXT PRIMARY KEY,
    reviewer_id INTEGER NOT NULL REFERENCES reviewers (reviewer_id),
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX submissions_fingerprint ON submissions (fingerprint);
CREATE INDEX results_b0 ON results (phash_b0);
CREATE INDEX results_b1 ON results (phash_b1);
CREATE INDEX results_b2 ON results (phash_b2);
CREATE INDEX results_b3 ON results (phash_b3);
CREATE INDEX results_cycle_status ON results (cycle, status);
CREATE INDEX reviews_submission ON reviews (submission_id, occurrence);
CREATE INDEX exports_cycle_kind ON exports (cycle, kind);
CREATE INDEX draws_cycle ON draws (cycle);
CREATE INDEX web_sessions_reviewer ON web_sessions (reviewer_id);
CREATE INDEX login_attempts_name ON login_attempts (name, attempted_at);
CREATE INDEX login_attempts_remote ON login_attempts (remote, attempted_at);
CREATE INDEX claims_reviewer ON claims (reviewer, expires_at);
CREATE INDEX review_events_submission ON review_events (submission_id, occurrence);
CREATE INDEX review_queue_order ON review_queue (cycle, submitted_utc, submission_id, occurrence);
CREATE INDEX review_queue_ivrs ON review_queue (ivrs, cycle, submitted_utc, submission_id, occurrence);
CREATE INDEX review_queue_reasons_order ON review_queue_reasons (cycle, reason, submitted_utc, submission_id, occurrence);
CREATE INDEX review_queue_reasons_item ON review_queue_reasons (submission_id, occurrence);
CREATE INDEX results_decided_at ON results (decided_at);
CREATE INDEX submissions_ivrs ON submissions (ivrs);
CREATE INDEX reviews_reviewer ON reviews (reviewer, reviewed_at);
CREATE INDEX reviews_reviewed_at ON reviews (reviewed_at);
CREATE INDEX draw_commitments_cycle ON draw_commitments (cycle);
COMMIT;
